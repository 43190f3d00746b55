# mend-server's memory allocator. Under load the server is one thread doing
# many small allocations (an agent message, a row, a JSON value each): with
# glibc's malloc they were 21 % of its CPU in the sustained-results profile
# (docs/benchmarks.md, "An allocator for mend-server"). mimalloc, from
# Debian's libmimalloc2.0, replaces malloc and operator new process-wide when
# the executable links it (SQLite's and Boost's allocations included).
#
# Not with the sanitizers: they bring their own allocator. Without
# libmimalloc-dev the server is built with glibc's malloc and a warning:
# everything works, only slower under load.
option(MEND_MIMALLOC "Link mend-server with mimalloc (libmimalloc-dev)" ON)

function(mend_use_fast_allocator target)
  if(NOT MEND_MIMALLOC OR MEND_SANITIZE)
    return()
  endif()
  find_package(mimalloc CONFIG QUIET)
  if(NOT mimalloc_FOUND)
    message(WARNING "libmimalloc-dev not found: ${target} uses glibc's malloc "
                    "(slower under load; bash scripts/install-deps.sh installs it)")
    return()
  endif()
  # The whole library, even though nothing names its symbols: it must come
  # before libc among the executable's libraries so that its malloc wins.
  target_link_libraries(${target} PRIVATE -Wl,--push-state,--no-as-needed mimalloc -Wl,--pop-state)
endfunction()
