# Debian packages: mend-server, mend-agent and mendctl, built by CPack from the
# same install rules (`cpack -G DEB` in the build tree; scripts/build-packages.sh).
# CPack rather than debhelper: the build is CMake already, the three packages
# come from one configure with no second description of the files to keep in
# sync, and dpkg-shlibdeps still computes each package's Depends.
set(MEND_PACKAGE_RELEASE "1" CACHE STRING "Debian revision of the packages (the part after the version)")
# Whoever builds the packages for a fleet puts their own address here. The
# default's host is reserved (RFC 2606) rather than "localhost", which lintian
# rightly refuses as a Maintainer.
set(MEND_PACKAGE_MAINTAINER "Mend maintainers <maintainers@mend.invalid>" CACHE STRING
    "Maintainer field and changelog signature of the Debian packages")

set(pkg ${CMAKE_SOURCE_DIR}/packaging)
# Reproducible builds: the dates in the changelog and the man pages are the
# time of the commit built (or SOURCE_DATE_EPOCH when the builder sets it), not
# the time of the build, so two builds of one commit give the same files.
if(DEFINED ENV{SOURCE_DATE_EPOCH})
  set(MEND_SOURCE_DATE_EPOCH $ENV{SOURCE_DATE_EPOCH})
else()
  execute_process(COMMAND git -C ${CMAKE_SOURCE_DIR} log -1 --format=%ct OUTPUT_VARIABLE MEND_SOURCE_DATE_EPOCH
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE git_status)
  if(NOT git_status EQUAL 0 OR NOT MEND_SOURCE_DATE_EPOCH MATCHES "^[0-9]+$")
    set(MEND_SOURCE_DATE_EPOCH 0)  # not a git checkout: a fixed date rather than today's
  endif()
endif()
install(TARGETS mend-server RUNTIME DESTINATION bin COMPONENT server)
install(TARGETS mend-agent RUNTIME DESTINATION bin COMPONENT agent)
install(TARGETS mendctl RUNTIME DESTINATION bin COMPONENT ctl)

install(FILES ${pkg}/systemd/mend-server.service DESTINATION /lib/systemd/system COMPONENT server)
install(FILES ${pkg}/systemd/mend-agent.service DESTINATION /lib/systemd/system COMPONENT agent)
# The config files list every key with its default: the package's choices
# (packaging/etc/*.head) followed by what the program prints with
# --print-config, so a setting added to the table is in the file too.
set(configs)
foreach(prog server agent)
  set(out ${CMAKE_BINARY_DIR}/packaging/${prog}.toml)
  add_custom_command(OUTPUT ${out}
    COMMAND sh ${pkg}/make-config.sh ${pkg}/etc/${prog}.toml.head $<TARGET_FILE:mend-${prog}> ${out}
    DEPENDS mend-${prog} ${pkg}/etc/${prog}.toml.head ${pkg}/make-config.sh
    COMMENT "packaging/${prog}.toml from mend-${prog} --print-config" VERBATIM)
  list(APPEND configs ${out})
endforeach()
# Man pages from each program's --help (help2man), so they list every flag the
# program has; packaging/man/*.h2m adds FILES and SEE ALSO.
find_program(HELP2MAN help2man)
if(HELP2MAN)
  set(name_mend-server "alert self-healing task engine with an Ibex-compatible HTTP API")
  set(name_mend-agent "runs Mend's remediation scripts on this host")
  set(name_mendctl "run scripts on many hosts and manage Mend tasks")
  foreach(prog mend-server mend-agent mendctl)
    set(out ${CMAKE_BINARY_DIR}/packaging/man/${prog}.1.gz)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging/man
      # Run by its bare name (PATH) so the usage line reads "mendctl", not a build path.
      COMMAND ${CMAKE_COMMAND} -E env PATH=$<TARGET_FILE_DIR:${prog}>:/usr/bin:/bin
              SOURCE_DATE_EPOCH=${MEND_SOURCE_DATE_EPOCH}
              ${HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION} --name=${name_${prog}}
              --include=${pkg}/man/${prog}.h2m --output=${CMAKE_BINARY_DIR}/packaging/man/${prog}.1 ${prog}
      COMMAND gzip -9nf ${CMAKE_BINARY_DIR}/packaging/man/${prog}.1
      DEPENDS ${prog} ${pkg}/man/${prog}.h2m
      COMMENT "man page of ${prog} from its --help" VERBATIM)
    list(APPEND configs ${out})
  endforeach()
  install(FILES ${CMAKE_BINARY_DIR}/packaging/man/mend-server.1.gz DESTINATION share/man/man1 COMPONENT server)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/man/mend-agent.1.gz DESTINATION share/man/man1 COMPONENT agent)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/man/mendctl.1.gz DESTINATION share/man/man1 COMPONENT ctl)
else()
  message(WARNING "help2man not found (scripts/install-deps.sh installs it): the packages will have no man pages")
endif()
add_custom_target(mend_package_configs ALL DEPENDS ${configs})
if(MEND_TESTS)
  # The packaged config files are valid as shipped.
  add_test(NAME packaged_server_config_checks
           COMMAND mend-server --check-config --config ${CMAKE_BINARY_DIR}/packaging/server.toml)
  add_test(NAME packaged_agent_config_parses
           COMMAND mend-agent --config ${CMAKE_BINARY_DIR}/packaging/agent.toml --print-config)
endif()
install(FILES ${CMAKE_BINARY_DIR}/packaging/server.toml DESTINATION /etc/mend COMPONENT server)
install(FILES ${CMAKE_BINARY_DIR}/packaging/agent.toml DESTINATION /etc/mend COMPONENT agent)
install(FILES ${pkg}/completion/mendctl DESTINATION share/bash-completion/completions COMPONENT ctl)

# /usr/share/doc/<package>: copyright, changelog, README, and for the server the
# sample Alertmanager receiver and rules file.
set(changelog ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz)
set(saved_epoch "$ENV{SOURCE_DATE_EPOCH}")
set(ENV{SOURCE_DATE_EPOCH} ${MEND_SOURCE_DATE_EPOCH})  # string(TIMESTAMP) reads it
string(TIMESTAMP build_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(ENV{SOURCE_DATE_EPOCH} "${saved_epoch}")
file(WRITE ${CMAKE_BINARY_DIR}/packaging/changelog.Debian
     "mend (${PROJECT_VERSION}-${MEND_PACKAGE_RELEASE}) unstable; urgency=medium\n\n"
     "  * Built from the Mend source tree.\n\n"
     " -- ${MEND_PACKAGE_MAINTAINER}  ${build_date}\n")
execute_process(COMMAND gzip -9nf ${CMAKE_BINARY_DIR}/packaging/changelog.Debian)
foreach(comp server agent ctl)
  if(comp STREQUAL "ctl")
    set(name mendctl)
  else()
    set(name mend-${comp})
  endif()
  install(FILES ${pkg}/debian/copyright ${changelog} ${CMAKE_SOURCE_DIR}/README.md
          DESTINATION share/doc/${name} COMPONENT ${comp})
endforeach()
install(FILES ${pkg}/examples/alertmanager.yml ${pkg}/examples/rules.yaml
        DESTINATION share/doc/mend-server/examples COMPONENT server)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mend)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Mend")
set(CPACK_PACKAGE_CONTACT "${MEND_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server agent ctl)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${MEND_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.invalid/mend")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME mend-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS mendctl)
# passwd: useradd in postinst; procps: /bin/kill, the unit's ExecReload.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "passwd, procps")
set(CPACK_COMPONENT_SERVER_DESCRIPTION "Mend alert self-healing server
Mend runs the right remediation script on a host as soon as monitoring says
it is sick, and records what it did. This package holds mend-server: the
task engine with an Ibex-compatible HTTP API, alert intake for Alertmanager,
Nightingale and Grafana, SQLite or PostgreSQL storage, and its systemd unit.")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    "${pkg}/debian/mend-server/postinst;${pkg}/debian/mend-server/prerm;${pkg}/debian/mend-server/postrm;${pkg}/debian/mend-server/conffiles")

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME mend-agent)
set(CPACK_COMPONENT_AGENT_DESCRIPTION "Mend agent: runs remediation scripts on a host
The agent connects out to mend-server, receives the scripts pushed to this
host, runs each as its task's account under a supervisor that survives agent
restarts and upgrades, and reports each result until the server has it.")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    "${pkg}/debian/mend-agent/postinst;${pkg}/debian/mend-agent/prerm;${pkg}/debian/mend-agent/postrm;${pkg}/debian/mend-agent/conffiles")

set(CPACK_DEBIAN_CTL_PACKAGE_NAME mendctl)
set(CPACK_COMPONENT_CTL_DESCRIPTION "Mend command line
mendctl creates tasks from a script or a template, follows them with a
progress bar, shows output, acts on tasks and hosts, and checks the database.")

include(CPack)
