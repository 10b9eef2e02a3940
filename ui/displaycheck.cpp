// Display detection before QApplication exists: Qt aborts (exit 134) when no platform plugin can
// start, so a display that is named but cannot be reached is tried here first.
#include "displaycheck.h"

#include <QFileInfo>
#include <QLibrary>
#include <QtGlobal>

#include <cstdlib>
#include <optional>

namespace {
// The probe's connection stays open until the process exits: an X server with no client left
// resets (Xvfb does by default), and Qt connecting during that reset fails and aborts.
using Disconnect = void (*)(void *);
void *g_probeConnection = nullptr;
Disconnect g_disconnect = nullptr;

void closeProbe()
{
    if (g_probeConnection && g_disconnect)
        g_disconnect(g_probeConnection);
    g_probeConnection = nullptr;
}

// libxcb, loaded at run time: the Qt xcb plugin needs it anyway, and ackhook need not link it.
// Returns true when the X display answers, false when it does not, nullopt when libxcb is missing.
std::optional<bool> xDisplayAnswers(const QByteArray &display)
{
    QLibrary xcb(QStringLiteral("xcb"), 1);
    if (!xcb.load())
        return std::nullopt;
    using Connect = void *(*)(const char *, int *);
    using HasError = int (*)(void *);
    const auto connect = reinterpret_cast<Connect>(xcb.resolve("xcb_connect"));
    const auto hasError = reinterpret_cast<HasError>(xcb.resolve("xcb_connection_has_error"));
    const auto disconnect = reinterpret_cast<Disconnect>(xcb.resolve("xcb_disconnect"));
    if (!connect || !hasError || !disconnect)
        return std::nullopt;
    void *connection = connect(display.constData(), nullptr);
    const bool ok = connection && hasError(connection) == 0;
    if (!ok || g_probeConnection) {
        if (connection)
            disconnect(connection); // also frees a connection in error
        return ok;
    }
    g_probeConnection = connection;
    g_disconnect = disconnect;
    std::atexit(closeProbe);
    return ok;
}

bool waylandSocketExists(const QByteArray &name)
{
    if (name.startsWith('/'))
        return QFileInfo::exists(QString::fromLocal8Bit(name));
    const QByteArray runtimeDir = qgetenv("XDG_RUNTIME_DIR");
    return !runtimeDir.isEmpty() && QFileInfo::exists(QString::fromLocal8Bit(runtimeDir + '/' + name));
}
} // namespace

bool DisplayCheck::canShowWindow(QString *why)
{
    const QByteArray platform = qgetenv("QT_QPA_PLATFORM");
    if (!platform.isEmpty() && !platform.startsWith("xcb"))
        return true; // chosen explicitly (offscreen, wayland, vnc…): Qt's own message if it fails
    const QByteArray wayland = qgetenv("WAYLAND_DISPLAY");
    if (platform.isEmpty() && !wayland.isEmpty() && waylandSocketExists(wayland))
        return true;
    const QByteArray display = qgetenv("DISPLAY");
    if (display.isEmpty()) {
        if (why)
            *why = wayland.isEmpty() ? QStringLiteral("no display found (DISPLAY and WAYLAND_DISPLAY are unset)")
                                     : QStringLiteral("cannot reach the Wayland display \"%1\" and DISPLAY is unset")
                                           .arg(QString::fromLocal8Bit(wayland));
        return false;
    }
    if (xDisplayAnswers(display).value_or(true))
        return true;
    if (why)
        *why = QStringLiteral("cannot open the X display \"%1\" (DISPLAY is set, but no X server answers there)")
                   .arg(QString::fromLocal8Bit(display));
    return false;
}
