/*
 * nfs-probe: what an NFS client application does, run inside a sandbox
 * client (user-mode Linux, the kernel's own NFS client) to judge a failover
 * by what the client sees. Every event goes to a log line with the wall
 * clock in milliseconds, so the host can put it next to the cluster's.
 *
 *   nfs-probe writer FILE LOG [INTERVAL_MS]
 *       lock FILE (whole-file POSIX write lock, F_SETLKW), then append one
 *       fixed-size record per interval, each fsync()ed; log "ack SEQ T"
 *       when fsync returned. Runs until killed (SIGTERM: "stop").
 *   locker FILE LOG [INTERVAL_MS]
 *       try to take a conflicting write lock (F_SETLK) on FILE again and
 *       again; log every attempt's outcome and how long it took.
 *   opener DIR LOG [INTERVAL_MS]
 *       create, write and close a new file in DIR again and again; log how
 *       long each took (a server in grace refuses new opens).
 *   verify FILE LOG
 *       check that FILE holds records 1..N in order, every one the writer's
 *       LOG acknowledged; print "verify ok N" or what is wrong; exit 1.
 *   holds FILE
 *       exit 0 if another process could NOT lock FILE (it is held), 1 if
 *       it could (the lock is gone), 2 on error. Non-blocking.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECORD_LEN 64

static volatile sig_atomic_t stop_requested;
static FILE *logf;

static void on_term(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logline(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(logf, fmt, ap);
    va_end(ap);
    fputc('\n', logf);
    fflush(logf);
    fsync(fileno(logf));
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop_requested) {
    }
}

static int set_lock(int fd, int cmd, short type)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET};

    return fcntl(fd, cmd, &fl);
}

static int do_writer(const char *path, int interval)
{
    char rec[RECORD_LEN + 1];
    int64_t t0, seq = 0;
    int fd;

    fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0644);
    if (fd < 0) {
        logline("fatal open %s", strerror(errno));
        return 1;
    }
    t0 = now_ms();
    if (set_lock(fd, F_SETLKW, F_WRLCK) < 0) {
        logline("fatal lock %s", strerror(errno));
        return 1;
    }
    logline("locked %lld %lld", (long long)now_ms(), (long long)(now_ms() - t0));
    if (ftruncate(fd, 0) < 0) {
        logline("fatal truncate %s", strerror(errno));
        return 1;
    }
    while (!stop_requested) {
        seq++;
        snprintf(rec, sizeof(rec), "seq %010lld t %016lld", (long long)seq,
                 (long long)now_ms());
        memset(rec + strlen(rec), '.', RECORD_LEN - 1 - strlen(rec));
        rec[RECORD_LEN - 1] = '\n';
        t0 = now_ms();
        if (write(fd, rec, RECORD_LEN) != RECORD_LEN) {
            logline("error write %lld %lld %s", (long long)seq,
                    (long long)now_ms(), strerror(errno));
            seq--;
            sleep_ms(interval);
            continue;
        }
        if (fsync(fd) < 0) {
            /* the record may or may not be there: not acknowledged */
            logline("error fsync %lld %lld %s", (long long)seq,
                    (long long)now_ms(), strerror(errno));
            sleep_ms(interval);
            continue;
        }
        logline("ack %lld %lld %lld", (long long)seq, (long long)now_ms(),
                (long long)(now_ms() - t0));
        sleep_ms(interval);
    }
    logline("stop %lld %lld", (long long)seq, (long long)now_ms());
    close(fd);
    return 0;
}

static int do_locker(const char *path, int interval)
{
    int64_t t0;
    int fd, rc;

    while (!stop_requested) {
        t0 = now_ms();
        fd = open(path, O_RDWR);
        if (fd < 0) {
            logline("open-error %lld %lld %s", (long long)t0,
                    (long long)(now_ms() - t0), strerror(errno));
            sleep_ms(interval);
            continue;
        }
        rc = set_lock(fd, F_SETLK, F_WRLCK);
        if (rc == 0) {
            /* the conflicting lock was granted: the holder lost it */
            logline("GOT %lld %lld", (long long)t0, (long long)(now_ms() - t0));
            set_lock(fd, F_SETLK, F_UNLCK);
        } else if (errno == EAGAIN || errno == EACCES) {
            logline("denied %lld %lld", (long long)t0,
                    (long long)(now_ms() - t0));
        } else {
            logline("lock-error %lld %lld %s", (long long)t0,
                    (long long)(now_ms() - t0), strerror(errno));
        }
        close(fd);
        sleep_ms(interval);
    }
    return 0;
}

static int do_opener(const char *dir, int interval)
{
    char path[4096], buf[32];
    int64_t t0, n = 0;
    int fd;

    while (!stop_requested) {
        n++;
        snprintf(path, sizeof(path), "%s/new-%d-%lld", dir, (int)getpid(),
                 (long long)n);
        t0 = now_ms();
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            logline("open-error %lld %lld %s", (long long)t0,
                    (long long)(now_ms() - t0), strerror(errno));
            sleep_ms(interval);
            continue;
        }
        snprintf(buf, sizeof(buf), "%lld\n", (long long)n);
        if (write(fd, buf, strlen(buf)) < 0 || close(fd) < 0) {
            logline("write-error %lld %lld %s", (long long)t0,
                    (long long)(now_ms() - t0), strerror(errno));
        } else {
            logline("opened %lld %lld", (long long)t0,
                    (long long)(now_ms() - t0));
        }
        unlink(path);
        sleep_ms(interval);
    }
    return 0;
}

static int do_verify(const char *path, const char *wlog)
{
    char rec[RECORD_LEN + 1], line[256];
    long long seq, acked = 0, n = 0, want;
    FILE *f, *w;

    w = fopen(wlog, "r");
    if (w == NULL) {
        printf("verify error: cannot read %s: %s\n", wlog, strerror(errno));
        return 1;
    }
    while (fgets(line, sizeof(line), w) != NULL) {
        if (sscanf(line, "ack %lld", &seq) == 1 && seq > acked) {
            acked = seq;
        }
    }
    fclose(w);
    f = fopen(path, "r");
    if (f == NULL) {
        printf("verify error: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    while (fread(rec, 1, RECORD_LEN, f) == RECORD_LEN) {
        rec[RECORD_LEN] = '\0';
        want = n + 1;
        if (sscanf(rec, "seq %lld", &seq) != 1 || seq != want) {
            printf("verify error: record %lld is \"%.30s\"\n", want, rec);
            fclose(f);
            return 1;
        }
        n = want;
    }
    fclose(f);
    if (n < acked) {
        printf("verify error: %lld records in the file, %lld acknowledged\n",
               n, acked);
        return 1;
    }
    printf("verify ok %lld records, %lld acknowledged\n", n, acked);
    return 0;
}

static int do_holds(const char *path)
{
    int fd = open(path, O_RDWR);

    if (fd < 0) {
        return 2;
    }
    if (set_lock(fd, F_SETLK, F_WRLCK) == 0) {
        set_lock(fd, F_SETLK, F_UNLCK);
        close(fd);
        return 1;
    }
    close(fd);
    return (errno == EAGAIN || errno == EACCES) ? 0 : 2;
}

static void usage(void)
{
    fprintf(stderr, "usage: nfs-probe writer|locker|opener PATH LOG "
                    "[INTERVAL_MS] | verify FILE LOG | holds FILE\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_handler = on_term};
    int interval = 200;

    if (argc < 3) {
        usage();
    }
    if (strcmp(argv[1], "holds") == 0) {
        return do_holds(argv[2]);
    }
    if (argc < 4) {
        usage();
    }
    if (strcmp(argv[1], "verify") == 0) {
        return do_verify(argv[2], argv[3]);
    }
    if (argc > 4) {
        interval = atoi(argv[4]);
        if (interval < 1 || interval > 60000) {
            usage();
        }
    }
    logf = fopen(argv[3], "a");
    if (logf == NULL) {
        fprintf(stderr, "nfs-probe: %s: %s\n", argv[3], strerror(errno));
        return 2;
    }
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    logline("start %s %lld", argv[1], (long long)now_ms());
    if (strcmp(argv[1], "writer") == 0) {
        return do_writer(argv[2], interval);
    }
    if (strcmp(argv[1], "locker") == 0) {
        return do_locker(argv[2], interval);
    }
    if (strcmp(argv[1], "opener") == 0) {
        return do_opener(argv[2], interval);
    }
    usage();
    return 2;
}
