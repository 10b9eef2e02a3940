// The dialog a windowed start shows when ackhook cannot start (the data directory in use, a port
// taken, NATS unreachable at start, ...): the reason and the way out, where a desktop user looks.
// Started from a launcher, stderr goes nowhere, so the log line alone would leave nothing on screen.
#pragma once

#include <QString>

#include <memory>

class QMessageBox;

namespace StartFailure {

// One or two sentences on what to do about error (the Runtime's start error), for a desktop user.
QString advice(const QString &error);
// A modal critical message box with the error and the advice; exec() it.
std::unique_ptr<QMessageBox> makeDialog(const QString &error);

} // namespace StartFailure
