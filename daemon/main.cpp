// SPDX-License-Identifier: GPL-2.0-or-later
// re6stnet: the node daemon (node-protocol.md §1, §2.4, §2.6).
#include "daemon/NodeDaemon.h"
#include "daemon/NodeIdentity.h"
#include "daemon/NodeOptions.h"
#include "platform/ProcessLog.h"
#include "platform/SignalPipe.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>

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

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("re6stnet"));
    const NodeOptions::Result parsed = NodeOptions::parseCommandLine(app.arguments().mid(1));
    if (parsed.help) {
        printf("%s\n", qPrintable(NodeOptions::helpText()));
        return 0;
    }
    if (parsed.version) {
        printf("%s\n", qPrintable(NodeOptions::versionText()));
        return 0;
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

    // §2.4 step 1: certificates (an expired own certificate is accepted, §2.3).
    const NodeIdentity::Result loaded =
        NodeIdentity::load(options.ca, options.cert, options.key, QDateTime::currentSecsSinceEpoch());
    if (!loaded.identity) {
        fprintf(stderr, "re6stnet: %s\n", qPrintable(loaded.error));
        return 1;
    }
    if (::geteuid() != 0) {
        fprintf(stderr, "re6stnet: must run as root: it sets addresses and routes and runs openvpn and babeld.\n");
        return 1;
    }

    // §2.4 step 2: logging (verbose 0 = none).
    const QString logPath = options.verbose > 0 ? QDir(options.log).filePath(QStringLiteral("re6stnet.log")) : QString();
    const QString logWarning = platform::ProcessLog::install(logPath, options.verbose, isatty(STDERR_FILENO));
    if (!logWarning.isEmpty()) qWarning().noquote() << logWarning;
    if (!loaded.identity->warning.isEmpty()) qWarning().noquote() << loaded.identity->warning;

    auto node = std::make_unique<NodeDaemon>(options, *loaded.identity);
    int exitCode = 0;
    bool restart = false;
    QObject::connect(node.get(), &NodeDaemon::finished, &app, [&](int code, bool again) {
        exitCode = code;
        restart = again;
        app.quit();
    });

    // §1.4 signals.
    platform::SignalPipe signalPipe({SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2});
    QObject::connect(&signalPipe, &platform::SignalPipe::received, &app, [&](int signo) {
        if (signo == SIGUSR1) {
            const QString warning = platform::ProcessLog::reopen();
            if (!warning.isEmpty()) qWarning().noquote() << warning;
            return;
        }
        qInfo() << "stopping on signal" << signo;
        node->shutdown(signo == SIGHUP || signo == SIGUSR2 ? 255 : 0);
    });

    QMetaObject::invokeMethod(node.get(), &NodeDaemon::start, Qt::QueuedConnection);
    app.exec();
    node.reset();
    if (restart) {
        // §1.4: restart = full cleanup (done), then the same binary with the same argv.
        fflush(nullptr);
        execv("/proc/self/exe", argv);
        perror("re6stnet: cannot restart itself");
        return 1;
    }
    return exitCode;
}
