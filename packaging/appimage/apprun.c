/* AppRun of ackhook's AppImage: picks the Qt platform for the desktop it starts on, then execs
   usr/bin/ackhook in the same process, so the pid, signals and exit status stay the AppImage's.
   A program of the package rather than code in ackhook: the choice is the AppImage's (it bundles
   both platform plugins; a system install leaves it to the system's Qt), and being AppRun it holds
   for an extracted squashfs-root/AppRun too, not only for starts through the runtime. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether WAYLAND_DISPLAY names a socket that exists: an absolute path, or a name in
   XDG_RUNTIME_DIR, as libwayland-client resolves it. */
static int wayland_socket_exists(const char *name)
{
    char path[PATH_MAX];
    int length;
    if (name[0] == '/') {
        length = snprintf(path, sizeof path, "%s", name);
    } else {
        const char *runtime_dir = getenv("XDG_RUNTIME_DIR");
        if (!runtime_dir || !*runtime_dir)
            return 0;
        length = snprintf(path, sizeof path, "%s/%s", runtime_dir, name);
    }
    struct stat st;
    return length > 0 && (size_t)length < sizeof path && stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

int main(int argc, char **argv)
{
    (void)argc;
    /* In a Wayland session: Wayland first, X11 second (Qt tries the list in order, so XWayland takes
       over when the Wayland plugin cannot connect). Said explicitly because Qt's own order depends
       on its version, build and desktop (some put xcb first whenever DISPLAY is set, as it is with
       XWayland). A QT_QPA_PLATFORM the user set always wins, and so does ackhook's -platform
       argument. Without a Wayland socket nothing is set: X11 as before, and ackhook's own display
       check still says what is missing when there is no display at all. */
    const char *platform = getenv("QT_QPA_PLATFORM");
    const char *wayland = getenv("WAYLAND_DISPLAY");
    if ((!platform || !*platform) && wayland && *wayland && wayland_socket_exists(wayland))
        setenv("QT_QPA_PLATFORM", "wayland;xcb", 1);

    /* ackhook lies in usr/bin beside this file's directory; /proc/self/exe is this file's real
       path in the mount or the extracted copy, wherever the AppImage was started from. */
    char program[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", program, sizeof program - 1);
    if (length <= 0) {
        fprintf(stderr, "AppRun: cannot find this executable (/proc/self/exe): %s\n", strerror(errno));
        return 127;
    }
    program[length] = '\0';
    char *slash = strrchr(program, '/');
    static const char relative[] = "/usr/bin/ackhook";
    if (!slash || (size_t)(slash - program) + sizeof relative > sizeof program) {
        fprintf(stderr, "AppRun: path too long: %s\n", program);
        return 127;
    }
    memcpy(slash, relative, sizeof relative);
    execv(program, argv);
    fprintf(stderr, "AppRun: cannot run %s: %s\n", program, strerror(errno));
    return 127;
}
