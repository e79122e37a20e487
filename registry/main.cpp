// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-registry: registry-protocol.md §13 startup sequence.
#include "core/Addressing.h"
#include "core/LoopbackEndpoint.h"
#include "core/OptionFile.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"
#include "registry/Communities.h"
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

    // 2. logging
    const QString logWarning = platform::ProcessLog::install(options.logfile, options.verbose, isatty(STDERR_FILENO));
    if (!logWarning.isEmpty()) qWarning().noquote() << logWarning;
    if (!options.privateAddress.isEmpty())
        qWarning().noquote() << "--private" << options.privateAddress
                             << "ignored: the registry talks to its local node over [::1]:326";

    // 3. community file
    Communities communities;
    if (!options.community.isEmpty()) {
        auto loaded = Communities::load(options.community, &error);
        if (!loaded) return fail(error);
        communities = *loaded;
    }

    // 4. database
    RegistryStore store;
    if (!store.open(options.db, &error)) return fail(error);
    if (!communities.validateAgainst(store.heldPrefixes(), &error)) return fail(error);

    // 5. CA certificate and key
    const auto caPem = readFile(options.ca, &error);
    if (!caPem) return fail(error + QStringLiteral(" (--ca)"));
    const auto ca = crypto::Certificate::fromPem(*caPem);
    if (!ca) return fail(QStringLiteral("%1 is not a PEM certificate (--ca)").arg(options.ca));
    const auto keyPem = readFile(options.key, &error);
    if (!keyPem) return fail(error + QStringLiteral(" (--key)"));
    const auto caKey = crypto::RsaKey::fromPem(*keyPem);
    if (!caKey || !caKey->hasPrivate())
        return fail(QStringLiteral("%1 is not an unencrypted PEM RSA private key (--key)").arg(options.key));
    if (!caKey->samePublicKey(ca->publicKey()))
        return fail(QStringLiteral("the key %1 does not match the CA certificate %2").arg(options.key, options.ca));
    const auto network = addressing::networkFromSerialHex(ca->serialHex());
    if (!network || network->isEmpty())
        return fail(QStringLiteral("the CA serial 0x%1 encodes no network prefix (registry-protocol.md §2.1)")
                        .arg(QString::fromLatin1(ca->serialHex())));
    QByteArray dh;
    if (!options.dh.isEmpty()) {
        const auto dhFile = readFile(options.dh, &error);
        if (!dhFile) return fail(error + QStringLiteral(" (--dh)"));
        dh = *dhFile;
    } else {
        // re6stnet(8) starts the registry without --dh, and its nodes fetch DH
        // parameters with getDh: serve the standard RFC 7919 group instead of failing.
        dh = QByteArrayLiteral("-----BEGIN DH PARAMETERS-----\n"
                               "MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n"
                               "+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a\n"
                               "87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7\n"
                               "YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi\n"
                               "7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD\n"
                               "ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==\n"
                               "-----END DH PARAMETERS-----\n");
        qInfo() << "no --dh given: getDh serves the RFC 7919 ffdhe2048 group";
    }

    // 6. local node (babeld client placeholder + UDP [::1]:326)
    LocalNode localNode(*network, options.run);

    // 7. GeoIP
    const std::unique_ptr<GeoIp> geoip = GeoIp::fromEnvironment(&error);
    if (!geoip && !error.isEmpty()) return fail(error);
    if (!options.sameCountry.isEmpty() && !geoip)
        return fail(QStringLiteral("--same-country needs GeoIP: set GEOIP2_MMDB to a GeoLite2 Country database"));

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

    // 8. cleanup pass, network config
    if (!service.start(&error)) return fail(error);

    // 9. sockets
    HttpFront front([&service](const HttpRequest &request, HttpFront::Responder reply) {
        service.handle(request, std::move(reply));
    });
    if (options.bind4.isEmpty() && options.bind6.isEmpty())
        return fail(QStringLiteral("both -4 and -6 are empty: nothing to listen on"), 2);
    for (const QString &bind : {options.bind4, options.bind6}) {
        if (bind.isEmpty()) continue;
        QHostAddress address;
        if (!address.setAddress(bind)) return fail(QStringLiteral("invalid bind address '%1' (-4/-6)").arg(bind), 2);
        if (!front.listen(address, quint16(options.port), &error)) return fail(error);
    }

    // 10. --metrics (re6st-qt extension, off by default): Prometheus text on loopback.
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
