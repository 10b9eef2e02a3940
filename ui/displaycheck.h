// Whether a window can be shown here, and what to tell the user when it cannot.
#pragma once

#include <QString>

namespace DisplayCheck {
// True when a Qt GUI platform is usable: an X display that answers, a Wayland socket that exists,
// or a non-X QT_QPA_PLATFORM set explicitly. Else false and *why says what is missing.
bool canShowWindow(QString *why);
} // namespace DisplayCheck
