#ifndef FILE_IO_H
#define FILE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* An fd to read path from: standard input when path is NULL or "-" (do not close that
 * one), else the file opened read-only. Returns the fd, or -1 with errno set. */
int file_open_input(const char *path);

/* read(2) that retries EINTR: bytes read, 0 at the end, or -1 with errno set. */
ssize_t file_read_some(int fd, void *buf, size_t cap);

/* Reads a whole file, or standard input when path is NULL or "-", into a malloc'd
 * buffer (*data, *len; free it). Returns 0, or -1 with errno set. */
int file_read_all(const char *path, uint8_t **data, size_t *len);
/* The same from an open fd, read to its end (it stays open). */
int file_read_fd(int fd, uint8_t **data, size_t *len);
/* Creates (or truncates) path and writes data to it. Returns 0, or -1 with errno set. */
int file_write_all(const char *path, const uint8_t *data, size_t len);

/* Lists dir's entries, hidden ones (".*") left out, as "dir/name" paths in name order,
 * so every run over a corpus sees the same order. *names is a malloc'd array of *count
 * malloc'd strings: free them with file_list_free. Returns 0, or -1 with errno set. */
int file_list_dir(const char *dir, char ***names, size_t *count);
void file_list_free(char **names, size_t count);

#endif
