// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-registry: registry-protocol.md §13 startup sequence.
#include "core/Addressing.h"
#include "core/OptionFile.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"
#include "registry/Communities.h"
#include "registry/GeoIp.h"
#include "registry/HttpFront.h"
#include "registry/LocalNode.h"
#include "registry/Mailer.h"
#include "registry/RegistryOptions.h"
#include "registry/RegistryService.h"
#include "registry/RegistryStore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QSocketNotifier>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

using namespace re6st;
using namespace re6st::registry;

namespace {

// Logging state: the Qt message handler is a plain function, so this is the
// one process-wide object (touched only through the functions below).
struct LogState
{
    QMutex mutex;
    FILE *file = nullptr;
    QString path;
    int verbose = 1;
    bool toStderr = false;
};
LogState &logState()
{
    static LogState state;
    return state;
}

int signalPipe[2] = {-1, -1};

void messageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    LogState &s = logState();
    int level = 0;
    const char *name = "";
    switch (type) {
    case QtDebugMsg: level = 3; name = "DEBUG"; break;
    case QtInfoMsg: level = 2; name = "INFO"; break;
    case QtWarningMsg: level = 1; name = "WARNING"; break;
    case QtCriticalMsg: level = 1; name = "CRITICAL"; break;
    case QtFatalMsg: level = 0; name = "CRITICAL"; break;
    }
    if (type != QtFatalMsg && level > s.verbose) return;
    const QByteArray line = QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd hh:mm:ss")).toUtf8()
        + ' ' + name + ' ' + (context.category && qstrcmp(context.category, "default") ? QByteArray(context.category) + ": " : QByteArray())
        + message.toUtf8() + '\n';
    QMutexLocker lock(&s.mutex);
    if (s.file) {
        fwrite(line.constData(), 1, size_t(line.size()), s.file);
        fflush(s.file);
    }
    if (s.toStderr || !s.file) fwrite(line.constData(), 1, size_t(line.size()), stderr);
}

// Returns a warning to log (null if fine).
QString openLog()
{
    LogState &s = logState();
    QMutexLocker lock(&s.mutex);
    if (s.file) fclose(s.file);
    s.file = nullptr;
    if (s.path.isEmpty()) return {};
    const QFileInfo info(s.path);
    if (!QDir().mkpath(info.absolutePath()))
        return QStringLiteral("cannot create the log directory %1; logging to stderr (use --logfile)").arg(info.absolutePath());
    s.file = fopen(QFile::encodeName(s.path).constData(), "a");
    if (!s.file)
        return QStringLiteral("cannot open the log file %1 (%2); logging to stderr (use --logfile)")
            .arg(s.path, QString::fromLocal8Bit(strerror(errno)));
    return {};
}

void onSignal(int signo)
{
    const char byte = char(signo);
    const int saved = errno;
    [[maybe_unused]] ssize_t n = ::write(signalPipe[1], &byte, 1);
    errno = saved;
}

int fail(const QString &message, int code = 1)
{
    qCritical().noquote() << message;
    if (!logState().toStderr && logState().file) fprintf(stderr, "re6st-registry: %s\n", qPrintable(message));
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
    logState().verbose = options.verbose;
    logState().path = options.logfile;
    logState().toStderr = isatty(STDERR_FILENO);
    const QString logWarning = openLog();
    qInstallMessageHandler(messageHandler);
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
        qWarning() << "no --dh given: getDh requests will fail; nodes without --dh need it";
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

    // Signals through a self-pipe into the event loop.
    if (::pipe2(signalPipe, O_CLOEXEC | O_NONBLOCK) != 0) return fail(QStringLiteral("pipe2 failed"));
    QSocketNotifier notifier(signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
        char signo = 0;
        while (::read(signalPipe[0], &signo, 1) == 1) {
            if (signo == SIGUSR1) {
                const QString warning = openLog();
                if (!warning.isEmpty()) qWarning().noquote() << warning;
                qInfo() << "log file reopened";
            } else {
                qInfo() << "exiting on signal" << int(signo);
                app.quit();
            }
        }
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int signo : {SIGTERM, SIGINT, SIGUSR1}) sigaction(signo, &action, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    qWarning().noquote() << "re6st-registry listening on port" << front.serverPort() << "network"
                         << addressing::cidrFromBits(*network);
    const int rc = app.exec();
    return exitCode ? exitCode : rc;
}
