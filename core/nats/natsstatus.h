// The one place where cnats status codes become ackhook failure reasons and messages.
#pragma once

#include "nats/publishresult.h"

#include <nats/nats.h>

FailureReason failureReasonFor(natsStatus status, jsErrCode errorCode = static_cast<jsErrCode>(0));
QString natsErrorText(natsStatus status, const char *detail = nullptr);
// natsOptions_SetServers from URLs (cnats copies them).
natsStatus setServers(natsOptions *options, const QStringList &urls);
PublishResult publishFailure(
    natsStatus status, jsErrCode errorCode = static_cast<jsErrCode>(0), const char *detail = nullptr);
