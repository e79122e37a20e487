// SPDX-License-Identifier: GPL-2.0-or-later
// re6stnet: the node daemon (node-protocol.md §1, §2.4, §2.6).
#include "daemon/DBusService.h"
#include "daemon/DoctorService.h"
#include "daemon/HostNetworkService.h"
#include "daemon/NodeDaemon.h"
#include "daemon/NodeMetrics.h"
#include "daemon/NodeService.h"
#include "core/LoopbackEndpoint.h"
#include "platform/MetricsServer.h"
#include "daemon/NodeIdentity.h"
#include "daemon/NodeOptions.h"
#include "platform/ProcessLog.h"
#include "platform/SignalPipe.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unistd.h>

using namespace re6st;
using namespace re6st::daemon;

namespace {

// OpenVPN's --up hook (§3.2): "re6stnet --ovpn-up <dev> <tun_mtu> …" sets the
// tap up with the tunnel MTU (OpenVPN leaves taps down without --ifconfig).
int ovpnUp(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "re6stnet --ovpn-up: expected DEVICE MTU (run by OpenVPN --up)\n");
        return 2;
    }
    execlp("ip", "ip", "link", "set", argv[2], "up", "mtu", argv[3], static_cast<char *>(nullptr));
    perror("re6stnet --ovpn-up: ip");
    return 1;
}

// OpenVPN's --tls-verify hook: "re6stnet --ovpn-tls-verify <crl file> <depth> <subject>".
// Refuses the peer certificate (depth 0) whose serial (env tls_serial_0, decimal) is
// listed in the file the daemon keeps from the network config's CRL (§3.5, §5.4):
// a revoked node is refused at TLS time, on both ends of a tunnel.
int ovpnTlsVerify(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "re6stnet --ovpn-tls-verify: expected CRL_FILE DEPTH SUBJECT (run by OpenVPN --tls-verify)\n");
        return 2;
    }
    if (std::strcmp(argv[3], "0") != 0) return 0; // the CA itself
    const char *serial = getenv("tls_serial_0");
    if (!serial || !*serial) return 0;
    FILE *f = fopen(argv[2], "r");
    if (!f) return 0; // no CRL yet
    char line[64];
    bool revoked = false;
    while (!revoked && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        revoked = std::strcmp(line, serial) == 0;
    }
    fclose(f);
    if (revoked) fprintf(stderr, "re6stnet: refusing revoked certificate serial %s\n", serial);
    return revoked ? 1 : 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc >= 2 && std::strcmp(argv[1], "--ovpn-up") == 0) return ovpnUp(argc, argv);
    if (argc >= 2 && std::strcmp(argv[1], "--ovpn-tls-verify") == 0) return ovpnTlsVerify(argc, argv);

    // QtDBus 6.4 drops a failed private connection without closing it (a bus that never
    // answers Hello); libdbus would abort the whole node for that. Warn instead.
    setenv("DBUS_FATAL_WARNINGS", "0", 0);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("re6stnet"));
    QStringList args = app.arguments().mid(1);
    NodeOptions::Result parsed = NodeOptions::parseCommandLine(args);
    if (parsed.help) {
        printf("%s\n", qPrintable(NodeOptions::helpText()));
        return 0;
    }
    if (parsed.version) {
        printf("%s\n", qPrintable(NodeOptions::versionText()));
        return 0;
    }
    // --dbus-service (D-Bus activation, re6stnet.service): the configuration is
    // <config-dir>/re6stnet.conf when it exists; its relative paths are relative to it.
    if (parsed.options && parsed.options->dbusService && parsed.options->cert.isEmpty()) {
        const QString dir = parsed.options->configDir;
        if (QFile::exists(QDir(dir).filePath(QStringLiteral("re6stnet.conf")))) {
            if (!QDir::setCurrent(dir)) {
                fprintf(stderr, "re6stnet: cannot enter %s\n", qPrintable(dir));
                return 1;
            }
            args.prepend(QStringLiteral("@re6stnet.conf"));
            parsed = NodeOptions::parseCommandLine(args);
        }
    }
    if (!parsed.options) {
        fprintf(stderr, "%s\nre6stnet: error: %s\n", qPrintable(NodeOptions::usage()), qPrintable(parsed.error));
        return 2;
    }
    const NodeOptions &options = *parsed.options;
    if (!options.test.isEmpty()) {
        fprintf(stderr, "re6stnet: --test evaluates Python expressions in upstream re6stnet; re6st-qt cannot. "
                        "Test the configuration with a shell script instead.\n");
        return 2;
    }

    // §2.4 step 1: certificates (an expired own certificate is accepted, §2.3). Checked
    // here too so that a headless start fails on the terminal, before logging starts.
    std::optional<NodeIdentity> identity;
    if (!options.cert.isEmpty()) {
        const NodeIdentity::Result loaded =
            NodeIdentity::load(options.ca, options.cert, options.key, QDateTime::currentSecsSinceEpoch());
        if (!loaded.identity && !options.dbusService) {
            fprintf(stderr, "re6stnet: %s\n", qPrintable(loaded.error));
            return 1;
        }
    }
    // --dh: the same, rather than OpenVPN servers that restart for ever (audit F5).
    if (!options.dh.isEmpty()) {
        if (const QString error = NodeOptions::checkDhFile(options.dh); !error.isEmpty()) {
            fprintf(stderr, "re6stnet: %s\n", qPrintable(error));
            return 1;
        }
    }
    if (::geteuid() != 0) {
        fprintf(stderr, "re6stnet: must run as root: it sets addresses and routes and runs openvpn and babeld.\n");
        return 1;
    }

    // §2.4 step 2: logging (verbose 0 = none).
    const QString logPath = options.verbose > 0 ? QDir(options.log).filePath(QStringLiteral("re6stnet.log")) : QString();
    const QString logWarning = platform::ProcessLog::install(logPath, options.verbose, isatty(STDERR_FILENO));
    if (!logWarning.isEmpty()) qWarning().noquote() << logWarning;

    auto service = std::make_unique<NodeService>(options);
    int exitCode = 0;
    bool restart = false;
    QObject::connect(service.get(), &NodeService::finished, &app, [&](int code, bool again) {
        exitCode = code;
        restart = again;
        app.quit();
    });

    // The D-Bus API (org.re6st.Node on the system bus); servers run fine without it.
    std::unique_ptr<DBusService> dbus;
    std::unique_ptr<HostNetworkService> hostNetwork; // [host-network]
    std::unique_ptr<DoctorService> doctorService;     // [doctor] org.re6st.Doctor1
    if (!options.noDbus) {
        QString why;
        dbus = DBusService::registerOnSystemBus([s = service.get()] { return s->status(); }, &why);
        if (dbus) {
            service->attach(dbus.get());
            qInfo() << "D-Bus API on: org.re6st.Node on the system bus";
            // [host-network] /org/re6st/HostNetwork (issue 6 §1): follows NetworkManager
            // (nothing happens without it); pauses the node while the main interface is down.
            hostNetwork = std::make_unique<HostNetworkService>(dbus->connection(), options.mainInterface);
            QObject::connect(hostNetwork.get(), &HostNetworkService::mainInterfaceDownChanged, service.get(),
                             &NodeService::setHostNetworkDown);
            if (QString why; !hostNetwork->start(&why)) qWarning().noquote() << "NetworkManager integration off:" << why;
            // [doctor] /org/re6st/Doctor (issue 6 §2)
            doctorService = std::make_unique<DoctorService>(options, [s = service.get()] { return s->status(); });
            doctorService->setConflictsProvider([h = hostNetwork.get()] { return std::optional(h->conflicts()); });
            doctorService->setNetworkManagerProvider([h = hostNetwork.get()] { return h->networkManagerRunning(); });
            if (QString doctorError; !doctorService->registerOn(dbus->connection(), &doctorError))
                qWarning().noquote() << "org.re6st.Doctor1 off:" << doctorError;
        } else if (options.dbusService) {
            qCritical().noquote() << "--dbus-service:" << why;
            return 1;
        } else {
            qInfo().noquote() << "D-Bus API off:" << why;
        }
    }

    // --metrics: Prometheus text on loopback (core/MetricsCatalog.h lists every metric).
    NodeMetrics nodeMetrics;
    std::unique_ptr<platform::MetricsServer> metricsServer;
    if (!options.metrics.isEmpty()) {
        metricsServer = std::make_unique<platform::MetricsServer>([s = service.get(), &nodeMetrics] {
            NodeCounters counters;
            if (const NodeDaemon *node = s->node()) {
                const NodeDaemon::Counters c = node->counters();
                counters.peerDatagramsReceived = c.receivedDatagrams;
                counters.peerDatagramsDropped = c.droppedDatagrams;
                counters.babeldRestarts = quint64(qMax(0, c.babelRestarts));
                counters.openvpnServerRestarts = c.openvpnServerRestarts;
            }
            return nodeMetrics.render(s->status(), counters);
        });
        const auto endpoint = LoopbackEndpoint::parse(options.metrics); // validated by NodeOptions
        QString error;
        if (!endpoint || !metricsServer->listen(endpoint->address, endpoint->port, &error)) {
            qCritical().noquote() << "--metrics:" << error;
            return 1;
        }
        qInfo().noquote() << "metrics on http://" + endpoint->toString() + "/metrics";
    }

    // §1.4 signals.
    platform::SignalPipe signalPipe({SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2});
    QObject::connect(&signalPipe, &platform::SignalPipe::received, &app, [&](int signo) {
        if (signo == SIGUSR1) {
            const QString warning = platform::ProcessLog::reopen();
            if (!warning.isEmpty()) qWarning().noquote() << warning;
            return;
        }
        qInfo() << "stopping on signal" << signo;
        service->shutdown(signo == SIGHUP || signo == SIGUSR2 ? 255 : 0);
    });

    QMetaObject::invokeMethod(service.get(), qOverload<>(&NodeService::start), Qt::QueuedConnection);
    app.exec();
    metricsServer.reset();
    hostNetwork.reset(); // [host-network]
    doctorService.reset();
    dbus.reset();
    service.reset();
    if (restart) {
        // §1.4: restart = full cleanup (done), then the same binary with the same argv.
        fflush(nullptr);
        execv("/proc/self/exe", argv);
        perror("re6stnet: cannot restart itself");
        return 1;
    }
    return exitCode;
}
