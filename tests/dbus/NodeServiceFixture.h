// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// The world of a D-Bus test against the real re6stnet (tests/dbus/tst_nodeservice,
// tests/gui/tst_enrollwizard): a private system bus, the real polkitd on it, a real SMTP
// server and a real re6st-registry (the upstream vector CA), and re6stnet --dbus-service
// in a config directory of its own. The test runs in a network namespace of its own
// (reexecInNetworkNamespace), so the node only touches addresses of that namespace.
#include "../e2e/E2eSupport.h"
#include "PolkitFixture.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusVariant>
#include <QStandardPaths>
#include <unistd.h>
#include <vector>

namespace re6st::test {

// As root, re-executes the test under `unshare --net` (once: RE6ST_IN_NETNS marks the
// child). Returns only when no re-execution happened (or with 1 when exec failed).
inline int reexecInNetworkNamespace(int argc, char **argv)
{
    if (::geteuid() != 0 || qEnvironmentVariableIsSet("RE6ST_IN_NETNS")
        || QStandardPaths::findExecutable(QStringLiteral("unshare")).isEmpty())
        return 0;
    setenv("RE6ST_IN_NETNS", "1", 1);
    std::vector<char *> args{const_cast<char *>("unshare"), const_cast<char *>("--net"), const_cast<char *>("--")};
    for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
    args.push_back(nullptr);
    execvp("unshare", args.data());
    perror("unshare");
    return 1;
}

class NodeServiceFixture final
{
public:
    static inline const QString kService = QStringLiteral("org.re6st.Node");
    static inline const QString kPath = QStringLiteral("/org/re6st/Node");
    static inline const QString kNode = QStringLiteral("org.re6st.Node1");

    explicit NodeServiceFixture(QString connectionName) : m_connection(std::move(connectionName)) {}
    Q_DISABLE_COPY_MOVE(NodeServiceFixture)

    QTemporaryDir tmp;
    PrivateBus bus;
    PolkitFixture polkit;
    re6st::e2e::SmtpSink smtp;
    re6st::e2e::RegistryProcess registry;
    re6st::e2e::ProcessGuard node;

    // Why the fixture cannot run here (empty: it can).
    static QString skipReason() { return PolkitFixture::skipReason(); }

    // Loopback up, the bus, polkitd with `config`, our connection to the bus, the SMTP
    // server and the registry.
    bool setUp(const PolkitFixture::Config &config, QString *error)
    {
        if (!qEnvironmentVariableIsSet("RE6ST_IN_NETNS"))
            return fail(error, QStringLiteral("not in a network namespace of our own (run as root)"));
        if (QProcess::execute(QStringLiteral("ip"), {QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"), QStringLiteral("up")}) != 0)
            return fail(error, QStringLiteral("cannot bring lo up in the test's namespace"));
        if (!tmp.isValid())
            return fail(error, QStringLiteral("no temporary directory"));
        if (!QFileInfo(bin("re6stnet")).isExecutable() || !QFileInfo(re6st::e2e::registryBinary()).isExecutable())
            return fail(error, QStringLiteral("re6stnet and re6st-registry must be built (RE6ST_BIN_DIR)"));
        if (!bus.start({re6st::e2e::sourceDir() + QStringLiteral("/dbus/org.re6st.Node.conf")}, error))
            return false;
        if (!polkit.start(bus, config, error))
            return false;
        if (!QDBusConnection::connectToBus(bus.address(), m_connection).isConnected())
            return fail(error, QStringLiteral("cannot connect to the private bus"));
        const QString regDir = tmp.filePath(QStringLiteral("registry"));
        if (!QDir().mkpath(regDir) || !re6st::e2e::installVectorCa(regDir))
            return fail(error, QStringLiteral("cannot install the vector CA in ") + regDir);
        if (!smtp.start(tmp.filePath(QStringLiteral("smtp")), false, {}, {}, error))
            return false;
        return registry.start(re6st::e2e::RegistryProcess::config(
                                  regDir, {QStringLiteral("--mailhost"), QStringLiteral("127.0.0.1:%1").arg(smtp.port()),
                                           QStringLiteral("--anonymous-prefix-length"), QStringLiteral("20")}),
                              error);
    }

    void tearDown()
    {
        node.stop(30000);
        registry.stop();
        smtp.stop();
        QDBusConnection::disconnectFromBus(m_connection);
    }

    // re6stnet --dbus-service on etc(), logs in tmp/log, waits until it owns its name.
    bool startNode(QString *error, const QStringList &extraArgs = {})
    {
        node.reset();
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"), bus.address());
        node->setProcessEnvironment(e);
        node->setProcessChannelMode(QProcess::MergedChannels);
        node->setStandardOutputFile(tmp.filePath(QStringLiteral("node.out")), QIODevice::Append);
        node->start(bin("re6stnet"), QStringList{QStringLiteral("--dbus-service"), QStringLiteral("--config-dir"), etc(),
                                                 QStringLiteral("-l"), tmp.filePath(QStringLiteral("log")),
                                                 QStringLiteral("-r"), tmp.filePath(QStringLiteral("run")),
                                                 QStringLiteral("-s"), tmp.filePath(QStringLiteral("state")),
                                                 QStringLiteral("-v"), QStringLiteral("3")}
                                         + extraArgs);
        if (!node->waitForStarted(10000))
            return fail(error, node->errorString());
        if (!re6st::e2e::waitFor([this] { return serviceUp() || !node.isRunning(); }, 30000) || !serviceUp())
            return fail(error, QStringLiteral("re6stnet did not appear on the bus: ") + nodeLog());
        return true;
    }

    QDBusConnection connection() const { return QDBusConnection(m_connection); }
    QString etc() const { return tmp.filePath(QStringLiteral("etc")); }
    static QString bin(const char *name) { return re6st::e2e::binDir() + u'/' + QLatin1String(name); }
    bool serviceUp() const { return connection().interface()->isServiceRegistered(kService).value(); }
    QString nodeLog() const
    {
        return QString::fromUtf8(re6st::e2e::readAll(tmp.filePath(QStringLiteral("log/re6stnet.log"))).right(3000));
    }
    QString caFingerprint() const
    {
        const auto ca = re6st::crypto::Certificate::fromPem(re6st::e2e::readAll(tmp.filePath(QStringLiteral("registry/ca.crt"))));
        return ca ? QStringLiteral("sha256:") + QString::fromLatin1(ca->fingerprint("sha256")->toHex()) : QString();
    }
    QDBusMessage call(const QString &iface, const QString &method, const QVariantList &args = {}, int timeoutMs = 120000) const
    {
        QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, iface, method);
        m.setArguments(args);
        return connection().call(m, QDBus::BlockWithGui, timeoutMs);
    }
    // An org.re6st.Node1 property, read from the daemon.
    QVariant property(const QString &name) const
    {
        const QDBusMessage r = call(QStringLiteral("org.freedesktop.DBus.Properties"), QStringLiteral("Get"), {kNode, name}, 10000);
        return r.arguments().value(0).value<QDBusVariant>().variant();
    }

private:
    static bool fail(QString *error, const QString &message)
    {
        if (error) *error = message;
        return false;
    }

    QString m_connection;
};

} // namespace re6st::test
