// Whether a window can be shown here, and what to tell the user when it cannot.
#pragma once

#include <QString>

namespace DisplayCheck {
// True when a Qt GUI platform is usable (X11/Wayland display, or QT_QPA_PLATFORM set explicitly).
bool canShowWindow(QString *why);
} // namespace DisplayCheck
