// CommandLineOptions: every flag of ackhook with its help text and value name, in the order --help
// lists them (the numeric ones from config/settingschema.h); CommandLine::parse reads them.
#pragma once

#include <QCommandLineOption>
#include <QList>
#include <QString>

struct CommandLineOptions {
    CommandLineOptions();

    static QString description(); // --help's first paragraph
    QList<QCommandLineOption> all() const; // in --help order

    const QCommandLineOption help, version, headless, listen, tlsCertFile, tlsKeyFile, natsUrl, natsCreds, natsNkey,
        natsUser, natsPasswordFile, natsTokenFile, natsTls, natsTlsCa, natsTlsCert, natsTlsKey, natsTlsHostname, stream,
        streamReplicas, dataDir, ackTimeout, maxInflight, maxPayload, idleTimeout, adminListen, adminToken,
        adminAllowedHost, adminTokenFile, outage, policy, scenario, scenarioSeconds, scenarioSeed, scenarioChart,
        lossDetector, labLossyStore, faultProxy, noFaultProxy, autoReplay, failedMaxRecords, failedMaxBytes, authToken,
        hmacSecret, signatureHeader, logFormat, configFile, checkConfig;
};
