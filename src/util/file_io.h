#ifndef FILE_IO_H
#define FILE_IO_H

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file, or standard input when path is NULL or "-", into a malloc'd
 * buffer (*data, *len; free it). Returns 0, or -1 with errno set. */
int file_read_all(const char *path, uint8_t **data, size_t *len);

#endif
