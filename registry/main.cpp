// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-registry: registry-protocol.md §13 startup sequence.
#include "core/Addressing.h"
#include "core/LoopbackEndpoint.h"
#include "core/OptionFile.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"
#include "registry/Communities.h"
#include "core/crypto/DhParameters.h"
#include "registry/GeoIp.h"
#include "registry/HttpFront.h"
#include "registry/LocalNode.h"
#include "registry/Mailer.h"
#include "registry/RegistryMetrics.h"
#include "registry/RegistryOptions.h"
#include "registry/RegistryService.h"
#include "registry/RegistryStore.h"
#include "platform/MetricsServer.h"
#include "platform/ProcessLog.h"
#include "platform/SignalPipe.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTimer>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <memory>
#include <unistd.h>

using namespace re6st;
using namespace re6st::registry;

namespace {

int fail(const QString &message, int code = 1)
{
    qCritical().noquote() << message;
    if (!isatty(STDERR_FILENO)) fprintf(stderr, "re6st-registry: %s\n", qPrintable(message));
    return code;
}

// Before the log is set up: the terminal (or the journal) only.
int failEarly(const QString &message)
{
    fprintf(stderr, "re6st-registry: %s\n", qPrintable(message));
    return 1;
}

std::optional<QByteArray> readFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    return file.readAll();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("re6st-registry"));

    // 1. options
    QString error;
    const auto args = OptionFile::expand(app.arguments().mid(1), &RegistryOptions::isOptionString, &error);
    if (!args) {
        fprintf(stderr, "%s\nre6st-registry: error: %s\n", qPrintable(RegistryOptions::usage()), qPrintable(error));
        return 2;
    }
    const RegistryOptions::Result parsed = RegistryOptions::parse(*args);
    if (parsed.help) {
        printf("%s", qPrintable(RegistryOptions::helpText()));
        return 0;
    }
    if (!parsed.options) {
        fprintf(stderr, "%s\nre6st-registry: error: %s\n", qPrintable(RegistryOptions::usage()),
                qPrintable(parsed.error));
        return 2;
    }
    const RegistryOptions &options = *parsed.options;

    // 2. CA certificate and key, DH parameters, GeoIP: pure file reads, done before
    // anything is created (the log, the database or their directories, audit F3).
    // R§13 lists them after the database; only the order of observable effects
    // matters, and a bad file must leave nothing behind. No log yet: stderr only.
    const auto caPem = readFile(options.ca, &error);
    if (!caPem) return failEarly(error + QStringLiteral(" (--ca)"));
    const auto ca = crypto::Certificate::fromPem(*caPem);
    if (!ca) return failEarly(QStringLiteral("%1 is not a PEM certificate (--ca)").arg(options.ca));
    const auto keyPem = readFile(options.key, &error);
    if (!keyPem) return failEarly(error + QStringLiteral(" (--key)"));
    const auto caKey = crypto::RsaKey::fromPem(*keyPem);
    if (!caKey || !caKey->hasPrivate())
        return failEarly(QStringLiteral("%1 is not an unencrypted PEM RSA private key (--key)").arg(options.key));
    if (!caKey->samePublicKey(ca->publicKey()))
        return failEarly(QStringLiteral("the key %1 does not match the CA certificate %2").arg(options.key, options.ca));
    const auto network = addressing::networkFromSerialHex(ca->serialHex());
    if (!network || network->isEmpty())
        return failEarly(QStringLiteral("the CA serial 0x%1 encodes no network prefix (registry-protocol.md §2.1)")
                             .arg(QString::fromLatin1(ca->serialHex())));
    // Audit F10: a prefix length that cannot fit is a usage error now, not a 500
    // to every registration.
    if (const QString usage = options.checkPrefixLengths(int(network->size())); !usage.isEmpty()) {
        fprintf(stderr, "%s\nre6st-registry: error: %s\n", qPrintable(RegistryOptions::usage()), qPrintable(usage));
        return 2;
    }
    QByteArray dh;
    if (!options.dh.isEmpty()) {
        const auto dhFile = readFile(options.dh, &error);
        if (!dhFile) return failEarly(error + QStringLiteral(" (--dh)"));
        // Audit F4: served as read, but only if OpenVPN can use it.
        if (!crypto::DhParameters::isPem(*dhFile))
            return failEarly(QStringLiteral("%1 is not PEM DH parameters (--dh)").arg(options.dh));
        dh = *dhFile;
    } else {
        // re6stnet(8) starts the registry without --dh, and its nodes fetch DH
        // parameters with getDh: serve the standard RFC 7919 group instead of failing.
        dh = crypto::DhParameters::ffdhe2048();
    }
    const std::unique_ptr<GeoIp> geoip = GeoIp::fromEnvironment(&error);
    if (!geoip && !error.isEmpty()) return failEarly(error);
    if (!options.sameCountry.isEmpty() && !geoip)
        return failEarly(QStringLiteral("--same-country needs GeoIP: set GEOIP2_MMDB to a GeoLite2 Country database"));

    // 3. logging
    const QString logWarning = platform::ProcessLog::install(options.logfile, options.verbose, isatty(STDERR_FILENO));
    if (!logWarning.isEmpty()) qWarning().noquote() << logWarning;
    if (!options.privateAddress.isEmpty())
        qWarning().noquote() << "--private" << options.privateAddress
                             << "ignored: the registry talks to its local node over [::1]:326";
    if (options.dh.isEmpty()) qInfo() << "no --dh given: getDh serves the RFC 7919 ffdhe2048 group";

    // 4. community file
    Communities communities;
    if (!options.community.isEmpty()) {
        auto loaded = Communities::load(options.community, &error);
        if (!loaded) return fail(error);
        communities = *loaded;
    }

    // 5. database (its directory is created as upstream's utils.makedirs does)
    RegistryStore store;
    if (!store.open(options.db, &error)) return fail(error);
    if (!communities.validateAgainst(store.heldPrefixes(), &error)) return fail(error);

    // 6. local node (babeld client placeholder + UDP [::1]:326)
    LocalNode localNode(*network, options.run);

    Mailer mailer({options.mailhost, options.smtpUser, options.smtpPwd, options.smtpStarttls,
                   crypto::subjectValue(ca->subject(), "emailAddress")});

    RegistryService::Dependencies deps;
    deps.store = &store;
    deps.ca = *ca;
    deps.caKey = *caKey;
    deps.dh = dh;
    deps.communities = communities;
    deps.geoip = geoip.get();
    deps.localNode = &localNode;
    deps.mailer = &mailer;
    RegistryService service(options, deps);
    int exitCode = 0;
    QObject::connect(&service, &RegistryService::fatalError, &app, [&](const QString &) {
        exitCode = 1;
        app.exit(1);
    });

    // 7. cleanup pass, network config
    if (!service.start(&error)) return fail(error);

    // 8. sockets
    HttpFront front([&service](const HttpRequest &request, HttpFront::Responder reply) {
        service.handle(request, std::move(reply));
    });
    // -4/-6 were checked by RegistryOptions::parse (one of them is not empty).
    for (const QString &bind : {options.bind4, options.bind6}) {
        if (bind.isEmpty()) continue;
        if (!front.listen(QHostAddress(bind), quint16(options.port), &error)) return fail(error);
    }

    // 9. --metrics (re6st-qt extension, off by default): Prometheus text on loopback.
    std::unique_ptr<RegistryMetrics> metrics;
    std::unique_ptr<platform::MetricsServer> metricsServer;
    if (!options.metrics.isEmpty()) {
        const auto endpoint = LoopbackEndpoint::parse(options.metrics);
        if (!endpoint) return fail(LoopbackEndpoint::usageError(QStringLiteral("--metrics"), options.metrics), 2);
        metrics = std::make_unique<RegistryMetrics>();
        front.setObserver([m = metrics.get()](const QByteArray &target, int status, qint64 elapsedNs) {
            m->recordRequest(target, status, elapsedNs);
        });
        metricsServer = std::make_unique<platform::MetricsServer>([&service, &store, m = metrics.get()] {
            return m->render(RegistryMetrics::snapshot(service, store));
        });
        if (!metricsServer->listen(endpoint->address, endpoint->port, &error)) return fail(error);
        qInfo().noquote() << "metrics at http://" + endpoint->toString() + "/metrics";
    }

    // Signals into the event loop.
    platform::SignalPipe signalPipe({SIGTERM, SIGINT, SIGUSR1});
    bool stopping = false;
    static constexpr int StopGraceMs = 10000;
    if (!signalPipe.isValid()) return fail(QStringLiteral("pipe2 failed"));
    QObject::connect(&signalPipe, &platform::SignalPipe::received, &app, [&](int signo) {
        if (signo == SIGUSR1) {
            const QString warning = platform::ProcessLog::reopen();
            if (!warning.isEmpty()) qWarning().noquote() << warning;
            qInfo() << "log file reopened";
        } else if (!stopping) {
            // Stop accepting connections, answer the certificate requests
            // already read (their signatures run on worker threads), then exit.
            stopping = true;
            qInfo() << "exiting on signal" << signo << "once the certificate requests in flight are answered";
            front.stopListening();
            const auto exitNow = [&front, &app] {
                front.flush();
                app.quit();
            };
            QTimer::singleShot(StopGraceMs, &app, [exitNow] {
                qWarning() << "certificate requests still in flight after" << StopGraceMs / 1000 << "s: exiting";
                exitNow();
            });
            service.whenIssuanceIdle(exitNow);
        } else {
            qInfo() << "exiting now on signal" << signo;
            app.quit();
        }
    });

    qWarning().noquote() << "re6st-registry listening on port" << front.serverPort() << "network"
                         << addressing::cidrFromBits(*network);
    const int rc = app.exec();
    return exitCode ? exitCode : rc;
}
