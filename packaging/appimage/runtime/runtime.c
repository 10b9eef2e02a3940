/* ackhook's AppImage type-2 runtime: finds the SquashFS image appended to this ELF file, mounts
   it with FUSE (or extracts it when FUSE is unavailable) and runs its AppRun in place. */

#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Update information (none): a section the AppImage specification reserves for it. */
__attribute__((section(".upd_info"), used)) static char update_information[1024];

static const char *program_name = "appimage";

void runtime_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%s: ", program_name);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
}

static void print_help(void)
{
    printf("Usage: %s [--appimage-OPTION] [ARGUMENTS...]\n"
           "Without an --appimage- option, runs the application with all arguments.\n\n"
           "  --appimage-extract [PATTERN]  extract to ./squashfs-root (only paths matching the shell\n"
           "                                PATTERN, and the trees of matching directories)\n"
           "  --appimage-extract-and-run ARGS  extract to a temporary directory, run, remove it\n"
           "                                (also APPIMAGE_EXTRACT_AND_RUN=1; used when FUSE is unavailable)\n"
           "  --appimage-mount              mount the image, print the mount point, wait for Ctrl-C\n"
           "  --appimage-offset             print the offset of the SquashFS image in this file\n"
           "  --appimage-help               this help\n"
           "  --appimage-version            print the runtime's version\n",
        program_name);
}

static const char *temp_root(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* Starts a helper that is no child of ours (it is reparented at once, so the application never
   sees it) and that does not die with the application's signals. It gets the read end of a pipe
   whose write end this process keeps, without close-on-exec, through the exec of AppRun: the
   application and everything it starts hold it, and when the last of them exits, the helper
   reads end of file. Returns the write end, or -1. */
static int start_helper(int (*work)(void *, int, int), void *context, int *ready_read)
{
    int keepalive[2], ready[2];
    if (pipe2(keepalive, O_CLOEXEC) != 0 || pipe2(ready, O_CLOEXEC) != 0) {
        runtime_error("cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    pid_t child = fork();
    if (child < 0) {
        runtime_error("cannot fork: %s", strerror(errno));
        return -1;
    }
    if (child == 0) {
        setsid();
        if (fork() != 0)
            _exit(0);
        close(keepalive[1]);
        close(ready[0]);
        struct sigaction ignore = { .sa_handler = SIG_IGN };
        int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2 };
        for (size_t i = 0; i < sizeof ignored / sizeof *ignored; ++i)
            sigaction(ignored[i], &ignore, NULL);
        if (chdir("/") != 0) { /* nothing depends on the working directory */
        }
        /* Keep stderr for errors, but hold no other descriptor the caller gave us, nor a pipe
           it waits on for end of file. */
        int low = keepalive[0] < ready[1] ? keepalive[0] : ready[1];
        int high = keepalive[0] < ready[1] ? ready[1] : keepalive[0];
        close_range(3, (unsigned)low - 1, 0);
        close_range((unsigned)low + 1, (unsigned)high - 1, 0);
        close_range((unsigned)high + 1, ~0U, 0);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            close(null);
        }
        _exit(work(context, keepalive[0], ready[1]));
    }
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR) { }
    close(keepalive[0]);
    close(ready[1]);
    if (ready_read)
        *ready_read = ready[0];
    else
        close(ready[0]);
    return keepalive[1];
}

struct cleanup_context {
    const char *directory;
};

static int remove_when_done(void *context, int keepalive_fd, int ready_fd)
{
    const struct cleanup_context *cleanup = context;
    close(ready_fd);
    prctl(PR_SET_NAME, "appimage-clean");
    char byte;
    while (read(keepalive_fd, &byte, 1) < 0 && errno == EINTR) { }
    nftw(cleanup->directory, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    return 0;
}

struct mount_context {
    const struct image *img;
    const char *mountpoint;
};

static int serve_mount(void *context, int keepalive_fd, int ready_fd)
{
    const struct mount_context *mount = context;
    prctl(PR_SET_NAME, "appimage-fuse");
    return fuse_serve(mount->img, mount->mountpoint, keepalive_fd, ready_fd);
}

/* Mounts the image at a new directory; returns the keepalive write end, or -1 after saying why. */
static int mount_image(const struct image *img, char *mountpoint, size_t size)
{
    if (access("/dev/fuse", R_OK | W_OK) != 0) {
        runtime_error("FUSE is unavailable: /dev/fuse: %s", strerror(errno));
        return -1;
    }
    if ((size_t)snprintf(mountpoint, size, "%s/.mount_appimage_XXXXXX", temp_root()) >= size || !mkdtemp(mountpoint)) {
        runtime_error("cannot create a mount point in %s: %s", temp_root(), strerror(errno));
        return -1;
    }
    struct mount_context context = { img, mountpoint };
    int ready_fd = -1;
    int keepalive = start_helper(serve_mount, &context, &ready_fd);
    if (keepalive < 0) {
        rmdir(mountpoint);
        return -1;
    }
    char ready = 0;
    ssize_t n;
    while ((n = read(ready_fd, &ready, 1)) < 0 && errno == EINTR) { }
    close(ready_fd);
    if (n != 1) {
        /* The helper said why on stderr and removed the mount point. */
        close(keepalive);
        return -1;
    }
    return keepalive;
}

/* Exports what the AppImage specification promises to AppRun and replaces this process with it.
   The application keeps this process's id, so signals sent to the AppImage reach it directly and
   its exit status is the AppImage's. */
static void run_apprun(
    const struct image *img, const char *appdir, int keepalive, int argc, char **argv, const char *argv0)
{
    (void)argc;
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd))
        setenv("OWD", cwd, 1);
    setenv("APPIMAGE", img->path, 1);
    setenv("APPDIR", appdir, 1);
    setenv("ARGV0", argv0, 1);
    fcntl(keepalive, F_SETFD, 0);

    char apprun[PATH_MAX];
    snprintf(apprun, sizeof apprun, "%s/AppRun", appdir);
    argv[0] = (char *)argv0;
    execv(apprun, argv);
    runtime_error("cannot run %s: %s", apprun, strerror(errno));
    exit(127);
}

static int extract_and_run(const struct image *img, int argc, char **argv, const char *argv0)
{
    char directory[PATH_MAX];
    if ((size_t)snprintf(directory, sizeof directory, "%s/appimage_extracted_XXXXXX", temp_root()) >= sizeof directory
        || !mkdtemp(directory)) {
        runtime_error("cannot create a directory to extract to in %s: %s", temp_root(), strerror(errno));
        return 1;
    }
    /* The remover starts first, so that the directory goes even when we are killed while extracting. */
    struct cleanup_context context = { directory };
    int keepalive = start_helper(remove_when_done, &context, NULL);
    if (keepalive < 0) {
        rmdir(directory);
        return 1;
    }
    if (image_extract(img, directory, NULL, 0) != 0)
        return 1;
    run_apprun(img, directory, keepalive, argc, argv, argv0);
    return 127;
}

static int mount_and_wait(const struct image *img)
{
    char mountpoint[PATH_MAX];
    int keepalive = mount_image(img, mountpoint, sizeof mountpoint);
    if (keepalive < 0)
        return 1;
    /* Blocked before the mount point is printed: whoever reads it may signal at once, and a signal
       that came before sigwait would otherwise kill this process with the mount left to the helper. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    printf("%s\n", mountpoint);
    fflush(stdout);
    int signal_number;
    sigwait(&set, &signal_number);
    close(keepalive); /* the helper unmounts and removes the mount point */
    return 0;
}

int main(int argc, char **argv)
{
    /* Descriptors 0-2 open, so that no pipe of ours takes their place. */
    for (int fd = 0; fd < 3; ++fd)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
            return 1;
    const char *argv0 = argc > 0 ? argv[0] : "appimage";
    char self[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        runtime_error("cannot find this executable (/proc/self/exe): %s", strerror(errno));
        return 1;
    }
    self[length] = '\0';
    char name[PATH_MAX];
    strcpy(name, self);
    program_name = strdup(basename(name));

    const char *option = argc > 1 && strncmp(argv[1], "--appimage-", 11) == 0 ? argv[1] : NULL;
    if (option && strcmp(option, "--appimage-help") == 0) {
        print_help();
        return 0;
    }
    if (option && strcmp(option, "--appimage-version") == 0) {
        printf("ackhook AppImage runtime %s (type 2, SquashFS through squashfuse %s)\n", RUNTIME_VERSION,
            SQUASHFUSE_VERSION);
        return 0;
    }

    struct image img;
    if (image_locate(self, &img) != 0)
        return 1;
    if (option && strcmp(option, "--appimage-offset") == 0) {
        printf("%lld\n", (long long)img.offset);
        return 0;
    }
    if (option && strcmp(option, "--appimage-extract") == 0) {
        if (argc > 3) {
            runtime_error("--appimage-extract takes at most one pattern");
            return 2;
        }
        return image_extract(&img, "squashfs-root", argc > 2 ? argv[2] : NULL, 1) == 0 ? 0 : 1;
    }
    if (option && strcmp(option, "--appimage-mount") == 0)
        return image_check(&img) == 0 ? mount_and_wait(&img) : 1;
    if (option && strcmp(option, "--appimage-extract-and-run") != 0) {
        runtime_error("unknown runtime option %s (see --appimage-help)", option);
        return 2;
    }
    if (image_check(&img) != 0)
        return 1;

    if (option) /* --appimage-extract-and-run: the application gets the arguments after it */
        return extract_and_run(&img, argc - 1, argv + 1, argv0);
    const char *extract = getenv("APPIMAGE_EXTRACT_AND_RUN");
    if (extract && strcmp(extract, "1") == 0)
        return extract_and_run(&img, argc, argv, argv0);

    char mountpoint[PATH_MAX];
    int keepalive = mount_image(&img, mountpoint, sizeof mountpoint);
    if (keepalive < 0) {
        runtime_error("running from a temporary extraction instead (slower start; see --appimage-help)");
        return extract_and_run(&img, argc, argv, argv0);
    }
    run_apprun(&img, mountpoint, keepalive, argc, argv, argv0);
    return 127;
}
