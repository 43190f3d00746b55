# The compiler and linker hardening Debian builds its own packages with
# (dpkg-buildflags with hardening=+all): stack protector and stack clash
# protection, control-flow protection, format-string errors, _FORTIFY_SOURCE,
# position-independent executables, full RELRO and immediate binding. Mend
# runs scripts as root on every host, so the binaries that do it get the same
# protection as the rest of the system. scripts/check-hardening.sh reads the
# result back from the binaries.
#
# Off under the sanitizers (they bring their own checks, and _FORTIFY_SOURCE's
# wrappers hide accesses from AddressSanitizer), and off by choice with
# -DMEND_HARDEN=OFF.
option(MEND_HARDEN "Build with Debian's hardening flags (ignored with MEND_SANITIZE)" ON)

if(MEND_HARDEN AND NOT MEND_SANITIZE)
  include(CheckPIESupported)
  check_pie_supported()
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_compile_options(-fstack-protector-strong -fstack-clash-protection -fcf-protection -Wformat
                      -Werror=format-security)
  # _FORTIFY_SOURCE needs the optimiser (glibc warns and does nothing at -O0).
  add_compile_definitions($<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
  add_link_options(-Wl,-z,relro -Wl,-z,now)
  set(MEND_HARDENED ON)
else()
  set(MEND_HARDENED OFF)
endif()
