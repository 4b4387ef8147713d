# http_differential links llhttp, compiled at build time from the C sources Debian's
# node-llhttp installs (/usr/share/llhttp, /usr/share/include/llhttp); none of its code
# is in this repository. -DPH_LLHTTP_DIR=DIR names another copy: a Debian-style folder,
# or an llhttp release tree with src/ and include/ (what ci/oss-fuzz/Dockerfile fetches).
set(PH_LLHTTP_DIR /usr/share/llhttp CACHE PATH "llhttp's generated C sources")
if(NOT TARGET ph_peer_llhttp)
    find_path(PH_LLHTTP_SRC llhttp.c PATHS ${PH_LLHTTP_DIR} ${PH_LLHTTP_DIR}/src NO_DEFAULT_PATH)
    find_path(PH_LLHTTP_INCLUDE llhttp.h
              PATHS ${PH_LLHTTP_DIR}/include ${PH_LLHTTP_DIR}/../include/llhttp
                    /usr/share/include/llhttp NO_DEFAULT_PATH)
    if(NOT PH_LLHTTP_SRC OR NOT PH_LLHTTP_INCLUDE)
        message(FATAL_ERROR "fuzz target http_differential needs llhttp's C sources: "
                "apt-get install node-llhttp (ci/setup.sh does), or -DPH_LLHTTP_DIR=DIR")
    endif()
    add_library(ph_peer_llhttp STATIC ${PH_LLHTTP_SRC}/llhttp.c ${PH_LLHTTP_SRC}/api.c
                                      ${PH_LLHTTP_SRC}/http.c)
    target_include_directories(ph_peer_llhttp SYSTEM PUBLIC ${PH_LLHTTP_INCLUDE})
    target_compile_options(ph_peer_llhttp PRIVATE -w) # their code: our warnings don't apply
    # Our side of it: the callbacks that collect llhttp's view of a message (spans, the
    # head's end, the body), for these targets and for bench/ (harness/llhttp_view.h).
    add_library(ph_llhttp_view STATIC ${CMAKE_SOURCE_DIR}/harness/llhttp_view.c)
    target_include_directories(ph_llhttp_view PUBLIC ${CMAKE_SOURCE_DIR}/harness)
    target_link_libraries(ph_llhttp_view PUBLIC ph_peer_llhttp ph_core)
endif()
foreach(exe ${exes})
    target_link_libraries(${exe} PRIVATE ph_llhttp_view)
endforeach()
