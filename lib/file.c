/*
 * file.c — opening and reading the files the library is given: regular
 * files only (never a FIFO or a device, which could block or act), and
 * never more of one than a cap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

kvp_status kvp__errno_status(int error)
{
	return error == ENOMEM ? KVP_ERR_NOMEM : KVP_ERR_IO;
}

/* Opens path for reading when it is a regular file (after symlinks).  The
 * type is checked before the open, so that a FIFO, a socket or a device is
 * never opened (a FIFO blocks until a writer comes; opening a device can
 * act on it), and again on the open descriptor, with an open that cannot
 * block (O_NONBLOCK, which does not change how a regular file reads, and
 * O_NOCTTY), so that one swapped in between cannot hang us either. */
kvp_status kvp__open_regular(const char *path, int *unreached, int *fd,
                               struct stat *st, kvp_error *err)
{
	int error = 0;

	*fd = -1;
	if (stat(path, st) != 0) {
		error = errno;
		/* Not there, or a directory on the way cannot be searched
		 * (stat needs no permission on the file itself): for a
		 * lookup, the caller's to judge. */
		if (unreached &&
		    (error == ENOENT || error == ENOTDIR || error == EACCES)) {
			*unreached = error;
			return KVP_ERR_NOT_FOUND;
		}
	} else if (S_ISREG(st->st_mode)) {
		*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (*fd < 0)
			error = errno;
		else if (fstat(*fd, st) != 0)
			error = errno;
	} else if (unreached) {
		/* A lookup passes over what is not a regular file, as a scan
		 * does, so both find the same profile; the caller says so. */
		*unreached = KVP__NOT_REGULAR;
		return KVP_ERR_NOT_FOUND;
	}
	if (!error && S_ISREG(st->st_mode))
		return KVP_OK;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	if (error == ENOENT || error == ENOTDIR)
		return kvp__error_at(err, KVP_ERR_NOT_FOUND, path, 0, 0, "%s",
		                     strerror(error));
	if (error)
		return kvp__error_at(err, kvp__errno_status(error), path, 0, 0,
		                     "%s", strerror(error));
	return kvp__error_at(err, KVP_ERR_IO, path, 0, 0, "not a regular file");
}

kvp_status kvp__read_file(const char *path, int *unreached, size_t max,
                          const char *what, char **text, size_t *length,
                          kvp_error *err)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd;
	int error;
	kvp_status status;

	status = kvp__open_regular(path, unreached, &fd, &st, err);
	if (status != KVP_OK)
		return status;
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return kvp__error_at(err, KVP_ERR_IO, path, 0, 0,
		                     "larger than %zu bytes: not a %s", max, what);
	}
	buf = kvp__malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = errno;
			close(fd);
			kvp__free(buf);
			return kvp__error_at(err, kvp__errno_status(error), path, 0, 0,
			                     "%s", strerror(error));
		}
		if (n == 0)
			break; /* shrank while we read: parse what is there */
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*text = buf;
	*length = got;
	return KVP_OK;
}

