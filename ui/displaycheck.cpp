// Display detection before QApplication exists: Qt aborts when no platform plugin can start.
#include "displaycheck.h"

#include <QtGlobal>

bool DisplayCheck::canShowWindow(QString *why)
{
    if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY")
        || qEnvironmentVariableIsSet("WAYLAND_DISPLAY"))
        return true;
    if (why)
        *why = QStringLiteral("no display found (DISPLAY and WAYLAND_DISPLAY are unset)");
    return false;
}
