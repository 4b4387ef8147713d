# http_response compares our response parser with llhttp's response mode: the same peer
# library as http_differential, compiled from the same sources.
include(${CMAKE_SOURCE_DIR}/harness/http_differential.cmake)
