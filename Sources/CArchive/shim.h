#include <archive.h>
#include <archive_entry.h>
// AE_IFREG and friends are cast macros that Swift cannot import.
static const unsigned int NIMP_AE_IFMT = AE_IFMT;
static const unsigned int NIMP_AE_IFREG = AE_IFREG;
static const unsigned int NIMP_AE_IFDIR = AE_IFDIR;
static const unsigned int NIMP_AE_IFLNK = AE_IFLNK;
static const unsigned int NIMP_AE_IFCHR = AE_IFCHR;
static const unsigned int NIMP_AE_IFBLK = AE_IFBLK;
static const unsigned int NIMP_AE_IFIFO = AE_IFIFO;
static const unsigned int NIMP_AE_IFSOCK = AE_IFSOCK;
