// SPDX-License-Identifier: GPL-2.0-or-later
// re6stnet and the host's NetworkManager (issue 6 §1, §4), against the real
// NetworkManager on a private bus managing test veths only (NetworkManagerFixture.h):
//  - without NetworkManager: the API says so and FixConflict answers Unavailable;
//  - the main interface is followed: HostNetworkService asks the node to pause when
//    NetworkManager disconnects the device (or its carrier goes), to resume when it is
//    activated again; MainInterfaceState and PropertiesChanged follow;
//  - a connection made with nmcli's defaults is reported as a conflict by the real
//    re6stnet, FixConflict (polkit: the real polkitd, root caller) fixes it through
//    NetworkManager: its settings (and keyfile) then have ignore-auto-routes and
//    never-default, and the conflict is gone; an active one is reapplied (its IPv6
//    default route leaves the kernel table);
//  - an enrolled node (the real re6st-registry, anonymous enrollment over D-Bus; the
//    registry and re6stnet run in NetworkManager's network namespace, where the main
//    interface is) stops when NetworkManager disconnects its main interface and starts
//    again when it is activated, in the same process; a user's Stop while it is down
//    outlives the interface coming back.
#include "../e2e/E2eSupport.h"
#include "NetworkManagerFixture.h"
#include "PolkitFixture.h"
#include "PrivateBus.h"
#include "daemon/HostNetworkService.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusVariant>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>
#include <fcntl.h>
#include <sched.h>

using namespace re6st;
using re6st::daemon::HostNetworkService;
using re6st::test::NetworkManagerFixture;
using re6st::test::PolkitFixture;
using re6st::test::PrivateBus;

namespace {
constexpr int kBound = 60000; // generous: NetworkManager and polkitd on a loaded CI machine
const QString kService = QStringLiteral("org.re6st.Node");
const QString kPath = QStringLiteral("/org/re6st/HostNetwork");
const QString kInterface = QStringLiteral("org.re6st.HostNetwork1");

QString sourceDir() { return qEnvironmentVariable("RE6ST_SOURCE_DIR", QStringLiteral(RE6ST_SOURCE_DIR_FALLBACK)); }
QString binDir() { return qEnvironmentVariable("RE6ST_BIN_DIR", QStringLiteral(RE6ST_BIN_DIR_FALLBACK)); }

QList<QVariantMap> records(const QVariant &v)
{
    if (v.canConvert<QDBusArgument>())
        return qdbus_cast<QList<QVariantMap>>(v.value<QDBusArgument>());
    return v.value<QList<QVariantMap>>();
}

// The calling thread joins the network namespace of process `pid` for the scope's
// lifetime (setns(2) is per thread for network namespaces): the processes this thread
// starts meanwhile are born there, and its own sockets are made there too. Back home on
// destruction.
class NetworkNamespaceScope final
{
public:
    explicit NetworkNamespaceScope(qint64 pid)
        : m_home(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC))
    {
        const int target = ::open(QStringLiteral("/proc/%1/ns/net").arg(pid).toLocal8Bit().constData(), O_RDONLY | O_CLOEXEC);
        m_entered = m_home >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
        if (target >= 0) ::close(target);
    }
    ~NetworkNamespaceScope()
    {
        if (m_entered && ::setns(m_home, CLONE_NEWNET) != 0)
            qFatal("cannot return to the test's network namespace"); // the test cannot go on elsewhere
        if (m_home >= 0) ::close(m_home);
    }
    NetworkNamespaceScope(const NetworkNamespaceScope &) = delete;
    NetworkNamespaceScope &operator=(const NetworkNamespaceScope &) = delete;
    bool entered() const { return m_entered; }

private:
    int m_home = -1;
    bool m_entered = false;
};

// The command names (comm) of the children of every thread of process `pid`.
QStringList childrenOf(qint64 pid)
{
    QStringList names;
    const QDir tasks(QStringLiteral("/proc/%1/task").arg(pid));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile children(tasks.filePath(tid + QStringLiteral("/children")));
        if (!children.open(QIODevice::ReadOnly)) continue;
        for (const QString &child : QString::fromLatin1(children.readAll()).split(u' ', Qt::SkipEmptyParts)) {
            QFile comm(QStringLiteral("/proc/%1/comm").arg(child));
            if (comm.open(QIODevice::ReadOnly)) names << QString::fromLatin1(comm.readAll()).trimmed();
        }
    }
    return names;
}
} // namespace

// Records org.freedesktop.DBus.Properties.PropertiesChanged of /org/re6st/HostNetwork.
class PropertiesRecorder final : public QObject
{
    Q_OBJECT
public:
    QList<QVariantMap> changes;
public Q_SLOTS:
    void changed(const QString &interface, const QVariantMap &values, const QStringList &)
    {
        if (interface == kInterface) changes << values;
    }
};

class TestNetworkManager final : public QObject
{
    Q_OBJECT

    PrivateBus m_bus;
    PolkitFixture m_polkit;
    NetworkManagerFixture m_nm;
    QString m_skip;
    QProcess m_re6stnet;
    QTemporaryDir m_nodeDir;
    re6st::e2e::RegistryProcess m_registry; // in NetworkManager's network namespace
    QElapsedTimer m_clock;

    QDBusConnection client() { return QDBusConnection(QStringLiteral("tst-nm-client")); }

    // The real `re6stnet --dbus-service --main-interface re6sttest0` on the private bus,
    // its files under `dir` (etc, log, run, state), its output in dir/re6stnet.out.
    void startRe6stnet(const QString &dir, const QStringList &extra)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"), m_bus.address());
        env.remove(QStringLiteral("DBUS_STARTER_ADDRESS"));
        m_re6stnet.setProcessEnvironment(env);
        m_re6stnet.setProcessChannelMode(QProcess::MergedChannels);
        m_re6stnet.setStandardOutputFile(dir + QStringLiteral("/re6stnet.out"));
        m_re6stnet.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
        m_re6stnet.start(binDir() + QStringLiteral("/re6stnet"),
                         QStringList{QStringLiteral("--dbus-service"), QStringLiteral("--config-dir"), dir + QStringLiteral("/etc"),
                                     QStringLiteral("-l"), dir + QStringLiteral("/log"), QStringLiteral("-r"), dir + QStringLiteral("/run"),
                                     QStringLiteral("-s"), dir + QStringLiteral("/state")}
                             + extra + QStringList{QStringLiteral("--main-interface"), QStringLiteral("re6sttest0")});
    }

    // An asynchronous call from the client connection, waited for with the event loop
    // running (the HostNetworkService under test may live in this very process).
    QDBusMessage call(const QString &service, const QString &interface, const QString &method,
                      const QVariantList &args, const QString &path = kPath)
    {
        QDBusMessage m = QDBusMessage::createMethodCall(service, path, interface, method);
        m.setArguments(args);
        QDBusPendingCallWatcher watch(client().asyncCall(m, kBound));
        QSignalSpy done(&watch, &QDBusPendingCallWatcher::finished);
        if (!watch.isFinished())
            done.wait(kBound + 5000);
        return watch.reply();
    }
    QVariantMap properties(const QString &service)
    {
        const QDBusMessage r = call(service, QStringLiteral("org.freedesktop.DBus.Properties"), QStringLiteral("GetAll"),
                                    {kInterface});
        if (r.type() != QDBusMessage::ReplyMessage) return {};
        return qdbus_cast<QVariantMap>(r.arguments().value(0).value<QDBusArgument>());
    }
    QString uuidOf(const QString &name) { return m_nm.nmcli({"-g", "connection.uuid", "connection", "show", name}); }

private Q_SLOTS:
    void initTestCase()
    {
        m_clock.start();
        qDBusRegisterMetaType<QList<QVariantMap>>();
        m_skip = NetworkManagerFixture::skipReason();
        if (!m_skip.isEmpty())
            QSKIP(qPrintable(m_skip));
        QString error;
        QVERIFY2(m_bus.start({sourceDir() + QStringLiteral("/dbus/org.re6st.Node.conf")}, &error), qPrintable(error));
        QVERIFY(QDBusConnection::connectToBus(m_bus.address(), QStringLiteral("tst-nm-client")).isConnected());
    }

    void cleanupTestCase()
    {
        if (m_re6stnet.state() != QProcess::NotRunning) {
            ::kill(pid_t(m_re6stnet.processId()), SIGTERM);
            if (!m_re6stnet.waitForFinished(30000)) {
                ::kill(pid_t(m_re6stnet.processId()), SIGKILL);
                m_re6stnet.waitForFinished(10000);
            }
        }
        m_registry.stop();
        m_nm.stop();
        m_polkit.stop();
        QDBusConnection::disconnectFromBus(QStringLiteral("tst-nm-client"));
        QDBusConnection::disconnectFromBus(QStringLiteral("tst-nm-service"));
        m_bus.stop();
        qInfo("tst_networkmanager took %.1f s", m_clock.elapsed() / 1000.0);
    }

    // Nothing changes without NetworkManager (and it is noticed when it comes).
    void withoutNetworkManager()
    {
        QDBusConnection bus = QDBusConnection::connectToBus(m_bus.address(), QStringLiteral("tst-nm-service"));
        QVERIFY(bus.isConnected());
        HostNetworkService service(bus, QStringLiteral("re6sttest0"));
        QSignalSpy down(&service, &HostNetworkService::mainInterfaceDownChanged);
        QString error;
        QVERIFY2(service.start(&error), qPrintable(error));
        QVariantMap p = properties(bus.baseService());
        QCOMPARE(p.value(QStringLiteral("NetworkManager")).toBool(), false);
        QCOMPARE(p.value(QStringLiteral("MainInterface")).toString(), QStringLiteral("re6sttest0"));
        QCOMPARE(p.value(QStringLiteral("MainInterfaceState")).toString(), QStringLiteral("unknown"));
        QVERIFY(records(p.value(QStringLiteral("Conflicts"))).isEmpty());
        const QDBusMessage r = call(bus.baseService(), kInterface, QStringLiteral("FixConflict"),
                                    {QStringLiteral("0e1f1938-217a-4d19-8738-a59499c288cb")});
        QCOMPARE(r.errorName(), QStringLiteral("org.re6st.Error.Unavailable"));
        QVERIFY(down.isEmpty());
        QVERIFY(!service.mainInterfaceDown());

        // "lo" (the default) is not followed at all.
        HostNetworkService lo(bus, QStringLiteral("lo"));
        QCOMPARE(lo.mainInterface(), QString());
    }

    void followsMainInterface()
    {
        QString error;
        QVERIFY2(m_nm.start(m_bus.address(), 2, &error), qPrintable(error));
        QDBusConnection bus(QStringLiteral("tst-nm-service"));
        HostNetworkService service(bus, QStringLiteral("re6sttest0"));
        QSignalSpy down(&service, &HostNetworkService::mainInterfaceDownChanged);
        PropertiesRecorder recorder;
        QVERIFY(client().connect(bus.baseService(), kPath, QStringLiteral("org.freedesktop.DBus.Properties"),
                                 QStringLiteral("PropertiesChanged"), &recorder,
                                 SLOT(changed(QString,QVariantMap,QStringList))));
        QVERIFY2(service.start(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(service.networkManagerRunning(), kBound);
        // Managed, no connection yet: "down" (disconnected), the node would pause.
        QTRY_COMPARE_WITH_TIMEOUT(service.mainInterfaceState(), QStringLiteral("down"), kBound);
        QCOMPARE(down.size(), 1);
        QCOMPARE(down.at(0).at(0).toBool(), true);
        QVERIFY(down.at(0).at(1).toString().contains(QStringLiteral("re6sttest0")));

        // IPv4 off and IPv6 left alone: activates at once, no DHCP or RA to wait for.
        bool ok = false;
        QString err;
        m_nm.nmcli({"connection", "add", "type", "ethernet", "ifname", "re6sttest0", "con-name", "re6st-main",
                    "autoconnect", "no", "ipv4.method", "disabled", "ipv6.method", "ignore"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        m_nm.nmcli({"connection", "up", "re6st-main"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        QTRY_COMPARE_WITH_TIMEOUT(service.mainInterfaceState(), QStringLiteral("up"), kBound);
        QCOMPARE(down.size(), 2);
        QCOMPARE(down.at(1).at(0).toBool(), false);
        QCOMPARE(properties(bus.baseService()).value(QStringLiteral("MainInterfaceState")).toString(),
                 QStringLiteral("up"));

        // Disconnected by the user: down; connected again: up. Without restarting anything.
        m_nm.nmcli({"device", "disconnect", "re6sttest0"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        QTRY_COMPARE_WITH_TIMEOUT(down.size(), 3, kBound);
        QCOMPARE(down.at(2).at(0).toBool(), true);
        QCOMPARE(service.mainInterfaceState(), QStringLiteral("down"));
        m_nm.nmcli({"connection", "up", "re6st-main"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        QTRY_COMPARE_WITH_TIMEOUT(down.size(), 4, kBound);
        QCOMPARE(down.at(3).at(0).toBool(), false);

        // Carrier lost (the peer end goes down): down. With autoconnect off it stays
        // disconnected once the carrier is back, until the connection is brought up.
        m_nm.inNamespace({QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("set"),
                          QStringLiteral("re6stpeer0"), QStringLiteral("down")}, &ok);
        QVERIFY(ok);
        QTRY_COMPARE_WITH_TIMEOUT(down.size(), 5, kBound);
        QCOMPARE(down.at(4).at(0).toBool(), true);
        m_nm.inNamespace({QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("set"),
                          QStringLiteral("re6stpeer0"), QStringLiteral("up")}, &ok);
        QVERIFY(ok);
        QTRY_VERIFY_WITH_TIMEOUT(m_nm.nmcli({"-g", "GENERAL.STATE", "device", "show", "re6sttest0"})
                                     .startsWith(QLatin1String("30 ")), kBound); // disconnected, carrier back
        m_nm.nmcli({"connection", "up", "re6st-main"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        QTRY_COMPARE_WITH_TIMEOUT(down.size(), 6, kBound);
        QCOMPARE(down.at(5).at(0).toBool(), false);

        // Every change of MainInterfaceState was announced on the bus.
        auto announced = [&] {
            QStringList a;
            for (const QVariantMap &c : std::as_const(recorder.changes))
                if (c.contains(QStringLiteral("MainInterfaceState")))
                    a << c.value(QStringLiteral("MainInterfaceState")).toString();
            return a;
        };
        QTRY_VERIFY_WITH_TIMEOUT(announced().size() >= 6, kBound);
        QCOMPARE(announced().first(), QStringLiteral("down"));
        QCOMPARE(announced().last(), QStringLiteral("up"));
        QVERIFY(recorder.changes.first().contains(QStringLiteral("NetworkManager")));
        client().disconnect(bus.baseService(), kPath, QStringLiteral("org.freedesktop.DBus.Properties"),
                            QStringLiteral("PropertiesChanged"), &recorder,
                            SLOT(changed(QString,QVariantMap,QStringList)));
    }

    // The real re6stnet (not enrolled: its API is up all the same) and the real polkitd.
    void conflictFixedThroughTheApi()
    {
        if (m_nm.pid() <= 0)
            QSKIP("NetworkManager did not start (see followsMainInterface)");
        const QString polkitSkip = PolkitFixture::skipReason();
        if (!polkitSkip.isEmpty())
            QSKIP(qPrintable(polkitSkip));
        QString error;
        QVERIFY2(m_polkit.start(m_bus, {}, &error), qPrintable(error));
        QVERIFY(m_nodeDir.isValid());
        const QString d = m_nodeDir.path();
        for (const char *sub : {"etc", "log", "run", "state"})
            QDir(d).mkpath(QLatin1String(sub));
        startRe6stnet(d, {});
        QVERIFY2(m_re6stnet.waitForStarted(10000), qPrintable(m_re6stnet.errorString()));
        auto out = [&] {
            QFile f(d + QStringLiteral("/re6stnet.out"));
            return f.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(f.readAll()) : QString();
        };
        QTRY_VERIFY2_WITH_TIMEOUT(client().interface()->isServiceRegistered(kService).value()
                                      || m_re6stnet.state() == QProcess::NotRunning,
                                  qPrintable(out()), kBound);
        QVERIFY2(m_re6stnet.state() == QProcess::Running, qPrintable(out()));
        QTRY_VERIFY_WITH_TIMEOUT(properties(kService).value(QStringLiteral("NetworkManager")).toBool(), kBound);
        QCOMPARE(properties(kService).value(QStringLiteral("MainInterface")).toString(), QStringLiteral("re6sttest0"));
        QCOMPARE(properties(kService).value(QStringLiteral("MainInterfaceState")).toString(), QStringLiteral("up"));
        // re6st-main has IPv6 "ignore": never a conflict.
        const QString mainUuid = uuidOf(QStringLiteral("re6st-main"));
        QVERIFY(!mainUuid.isEmpty());

        // A connection with nmcli's defaults (ipv6.method auto, nothing ignored).
        bool ok = false;
        QString err;
        m_nm.nmcli({"connection", "add", "type", "ethernet", "ifname", "re6sttest1", "con-name", "re6st-default",
                    "autoconnect", "no"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        const QString uuid = uuidOf(QStringLiteral("re6st-default"));
        QVERIFY(!uuid.isEmpty());
        auto conflictsOf = [&](const QString &connection) {
            QStringList problems;
            for (const QVariantMap &c : records(properties(kService).value(QStringLiteral("Conflicts"))))
                if (c.value(QStringLiteral("connection")).toString() == connection) {
                    problems << c.value(QStringLiteral("problem")).toString();
                    if (c.value(QStringLiteral("name")).toString() != QLatin1String("re6st-default")
                        || c.value(QStringLiteral("interface")).toString() != QLatin1String("re6sttest1")
                        || c.value(QStringLiteral("detail")).toString().isEmpty()
                        || c.value(QStringLiteral("fix")).toString().isEmpty())
                        problems << QStringLiteral("bad record");
                }
            return problems;
        };
        QTRY_COMPARE_WITH_TIMEOUT(conflictsOf(uuid),
                                  (QStringList{QStringLiteral("auto-routes"), QStringLiteral("default-route")}), kBound);
        QVERIFY(conflictsOf(mainUuid).isEmpty());
        QCOMPARE(m_nm.nmcli({"-g", "ipv6.ignore-auto-routes,ipv6.never-default", "connection", "show", uuid}),
                 QStringLiteral("no\nno"));

        // Unknown connection: NotFound, nothing asked to polkit.
        QCOMPARE(call(kService, kInterface, QStringLiteral("FixConflict"), {mainUuid}).errorName(),
                 QStringLiteral("org.re6st.Error.NotFound"));

        // Fixed through the API (root caller: polkit authorizes), saved by NetworkManager.
        const QDBusMessage r = call(kService, kInterface, QStringLiteral("FixConflict"), {uuid});
        QVERIFY2(r.type() == QDBusMessage::ReplyMessage, qPrintable(r.errorName() + QLatin1Char(' ') + r.errorMessage()));
        QCOMPARE(m_nm.nmcli({"-g", "ipv6.ignore-auto-routes,ipv6.never-default", "connection", "show", uuid}),
                 QStringLiteral("yes\nyes"));
        QFile keyfile(m_nm.connectionsDir() + QStringLiteral("/re6st-default.nmconnection"));
        QVERIFY2(keyfile.open(QIODevice::ReadOnly), qPrintable(keyfile.fileName()));
        const QByteArray saved = keyfile.readAll();
        QVERIFY2(saved.contains("ignore-auto-routes=true") && saved.contains("never-default=true"), saved.constData());
        // The reply came after Conflicts was brought up to date.
        QVERIFY(conflictsOf(uuid).isEmpty());
        // Fixed twice: nothing left to fix.
        QCOMPARE(call(kService, kInterface, QStringLiteral("FixConflict"), {uuid}).errorName(),
                 QStringLiteral("org.re6st.Error.NotFound"));
    }

    // An active connection is reapplied: its IPv6 default route leaves the kernel table.
    void activeConnectionIsReapplied()
    {
        if (m_re6stnet.state() != QProcess::Running)
            QSKIP("re6stnet is not running (see conflictFixedThroughTheApi)");
        bool ok = false;
        QString err;
        m_nm.nmcli({"connection", "add", "type", "ethernet", "ifname", "re6sttest1", "con-name", "re6st-gateway",
                    "autoconnect", "no", "ipv4.method", "disabled", "ipv6.method", "manual", "ipv6.addresses",
                    "2001:db8:77::2/64", "ipv6.gateway", "2001:db8:77::1", "ipv6.may-fail", "yes",
                    "ipv6.addr-gen-mode", "eui64"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        m_nm.nmcli({"connection", "up", "re6st-gateway"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        const QStringList defaultRoute{QStringLiteral("ip"), QStringLiteral("-6"), QStringLiteral("route"),
                                       QStringLiteral("show"), QStringLiteral("default"), QStringLiteral("dev"),
                                       QStringLiteral("re6sttest1")};
        QTRY_VERIFY_WITH_TIMEOUT(m_nm.inNamespace(defaultRoute).contains(QLatin1String("2001:db8:77::1")), kBound);
        const QString uuid = uuidOf(QStringLiteral("re6st-gateway"));
        QTRY_VERIFY_WITH_TIMEOUT([&] {
            for (const QVariantMap &c : records(properties(kService).value(QStringLiteral("Conflicts"))))
                if (c.value(QStringLiteral("connection")).toString() == uuid)
                    return c.value(QStringLiteral("problem")).toString() == QLatin1String("default-route");
            return false;
        }(), kBound);
        const QDBusMessage r = call(kService, kInterface, QStringLiteral("FixConflict"), {uuid});
        QVERIFY2(r.type() == QDBusMessage::ReplyMessage, qPrintable(r.errorName() + QLatin1Char(' ') + r.errorMessage()));
        QTRY_VERIFY_WITH_TIMEOUT(m_nm.inNamespace(defaultRoute).isEmpty(), kBound);
        // Still active, with its address: reapplied, not reactivated elsewhere.
        QCOMPARE(m_nm.nmcli({"-g", "GENERAL.STATE", "connection", "show", "re6st-gateway"}), QStringLiteral("activated"));
        QVERIFY(m_nm.inNamespace({QStringLiteral("ip"), QStringLiteral("-6"), QStringLiteral("addr"), QStringLiteral("show"),
                                  QStringLiteral("re6sttest1")}).contains(QLatin1String("2001:db8:77::2")));
    }

    // An enrolled node follows its main interface: stopped (tunnels, babeld, routes; the
    // process stays) when NetworkManager disconnects it, started again when it is
    // activated; after a user's Stop, the interface coming back starts nothing.
    void enrolledNodePausesWithItsInterface()
    {
        if (m_nm.pid() <= 0)
            QSKIP("NetworkManager did not start (see followsMainInterface)");
        if (const QString why = PolkitFixture::skipReason(); !why.isEmpty())
            QSKIP(qPrintable(why));
        for (const char *tool : {"babeld", "openvpn"})
            if (QStandardPaths::findExecutable(QLatin1String(tool)).isEmpty()
                && QStandardPaths::findExecutable(QLatin1String(tool), {QStringLiteral("/usr/sbin")}).isEmpty())
                QSKIP(qPrintable(QStringLiteral("%1 not found: install Debian package %1").arg(QLatin1String(tool))));
        QString error;
        if (!m_polkit.isRunning())
            QVERIFY2(m_polkit.start(m_bus, {}, &error), qPrintable(error));
        bool ok = false;
        QString err;
        // re6st-main up on re6sttest0 (it is after the tests above; again if they failed).
        if (m_nm.nmcli({"-g", "GENERAL.STATE", "connection", "show", "re6st-main"}) != QLatin1String("activated")) {
            m_nm.nmcli({"connection", "add", "type", "ethernet", "ifname", "re6sttest0", "con-name", "re6st-main",
                        "autoconnect", "no", "ipv4.method", "disabled", "ipv6.method", "ignore"});
            m_nm.nmcli({"connection", "up", "re6st-main"}, &ok, &err);
            QVERIFY2(ok, qPrintable(err));
        }
        // The unenrolled re6stnet of the tests above gives the name back.
        if (m_re6stnet.state() != QProcess::NotRunning) {
            ::kill(pid_t(m_re6stnet.processId()), SIGTERM);
            QVERIFY(m_re6stnet.waitForFinished(30000));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!client().interface()->isServiceRegistered(kService).value(), kBound);

        // The registry (vector CA, anonymous enrollment) and re6stnet in NetworkManager's
        // network namespace: the node puts its address on re6sttest0, which is only there,
        // and reaches the registry on that namespace's 127.0.0.1.
        QVERIFY(m_nodeDir.isValid());
        const QString d = m_nodeDir.filePath(QStringLiteral("enrolled"));
        const QString regDir = d + QStringLiteral("/registry");
        QVERIFY(QDir().mkpath(regDir) && QDir().mkpath(d + QStringLiteral("/etc")));
        QVERIFY2(re6st::e2e::installVectorCa(regDir), qPrintable(regDir));
        const QString log = d + QStringLiteral("/log/re6stnet.log");
        auto nodeLog = [&] {
            return QStringLiteral("\n--- re6stnet.log (tail) ---\n")
                   + QString::fromUtf8(re6st::e2e::readAll(log).right(4000))
                   + QStringLiteral("\n--- re6stnet.out (tail) ---\n")
                   + QString::fromUtf8(re6st::e2e::readAll(d + QStringLiteral("/re6stnet.out")).right(1500));
        };
        {
            NetworkNamespaceScope inNm(m_nm.pid());
            QVERIFY(inNm.entered());
            QVERIFY2(m_registry.start(re6st::e2e::RegistryProcess::config(
                                          regDir, {QStringLiteral("--anonymous-prefix-length"), QStringLiteral("20")}),
                                      &error),
                     qPrintable(error));
            startRe6stnet(d, {QStringLiteral("-v"), QStringLiteral("3")});
            QVERIFY2(m_re6stnet.waitForStarted(10000), qPrintable(m_re6stnet.errorString()));
        }
        const qint64 pid = m_re6stnet.processId();
        QTRY_VERIFY2_WITH_TIMEOUT(client().interface()->isServiceRegistered(kService).value()
                                      || m_re6stnet.state() == QProcess::NotRunning,
                                  qPrintable(nodeLog()), kBound);
        QVERIFY2(m_re6stnet.state() == QProcess::Running, qPrintable(nodeLog()));

        const QString nodePath = QStringLiteral("/org/re6st/Node");
        const QString node1 = QStringLiteral("org.re6st.Node1");
        const QString enrollment1 = QStringLiteral("org.re6st.Enrollment1");
        auto nodeCall = [&](const QString &iface, const QString &method, const QVariantList &args = {}) {
            return call(kService, iface, method, args, nodePath);
        };
        auto property = [&](const QString &name) {
            const QDBusMessage r = nodeCall(QStringLiteral("org.freedesktop.DBus.Properties"), QStringLiteral("Get"),
                                            {node1, name});
            return r.type() == QDBusMessage::ReplyMessage ? r.arguments().value(0).value<QDBusVariant>().variant() : QVariant();
        };
        auto state = [&] { return property(QStringLiteral("State")).toString(); };
        auto running = [&] { // the node runs (or is starting): not "stopped", not "error"
            const QString s = state();
            return s == QLatin1String("connecting") || s == QLatin1String("connected");
        };
        auto babeld = [&] { return childrenOf(pid).contains(QLatin1String("babeld")); };
        auto mainInterfaceState = [&] { return properties(kService).value(QStringLiteral("MainInterfaceState")).toString(); };
        QCOMPARE(property(QStringLiteral("Enrolled")).toBool(), false);

        // Enrolled anonymously over D-Bus (root caller); re6stnet restarts itself on the
        // new files (same PID) and runs the node.
        const QDBusMessage ca = nodeCall(enrollment1, QStringLiteral("FetchCa"), {m_registry.url()});
        QVERIFY2(ca.type() == QDBusMessage::ReplyMessage, qPrintable(ca.errorMessage() + nodeLog()));
        const QString fingerprint = ca.arguments().value(0).toString();
        QVERIFY(fingerprint.startsWith(QLatin1String("sha256:")));
        const QDBusMessage enrolled = nodeCall(enrollment1, QStringLiteral("Enroll"),
                                               {m_registry.url(), fingerprint, QString(),
                                                QVariantMap{{QStringLiteral("anonymous"), true}}});
        QVERIFY2(enrolled.type() == QDBusMessage::ReplyMessage, qPrintable(enrolled.errorMessage() + nodeLog()));
        QTRY_VERIFY2_WITH_TIMEOUT(m_re6stnet.state() == QProcess::NotRunning
                                      || (property(QStringLiteral("Enrolled")).toBool() && running()),
                                  qPrintable(state() + nodeLog()), kBound);
        QVERIFY2(m_re6stnet.state() == QProcess::Running, qPrintable(nodeLog()));
        QCOMPARE(m_re6stnet.processId(), pid);
        QCOMPARE(mainInterfaceState(), QStringLiteral("up"));
        QTRY_VERIFY2_WITH_TIMEOUT(babeld(), qPrintable(childrenOf(pid).join(u',') + nodeLog()), kBound);
        const QString address = property(QStringLiteral("Address")).toString();
        QVERIFY(!address.isEmpty());
        const QStringList addrShow{QStringLiteral("ip"), QStringLiteral("-6"), QStringLiteral("addr"),
                                   QStringLiteral("show"), QStringLiteral("dev"), QStringLiteral("re6sttest0")};
        QVERIFY2(m_nm.inNamespace(addrShow).contains(address), qPrintable(m_nm.inNamespace(addrShow)));

        // Disconnected by the user: the node stops, the process stays.
        m_nm.nmcli({"device", "disconnect", "re6sttest0"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        QTRY_COMPARE_WITH_TIMEOUT(state(), QStringLiteral("stopped"), kBound);
        const QString detail = property(QStringLiteral("StateDetail")).toString();
        QVERIFY2(detail.contains(QLatin1String("re6sttest0")), qPrintable(detail));
        QTRY_VERIFY2_WITH_TIMEOUT(!babeld(), qPrintable(childrenOf(pid).join(u',')), kBound);
        // Gone (NetworkManager flushes the device as it disconnects it; the node's cleanup
        // of §2.6 then finds nothing left to delete).
        QVERIFY2(!m_nm.inNamespace(addrShow).contains(address), qPrintable(m_nm.inNamespace(addrShow)));
        QVERIFY(m_re6stnet.state() == QProcess::Running);
        QCOMPARE(m_re6stnet.processId(), pid);
        QCOMPARE(property(QStringLiteral("Enrolled")).toBool(), true);

        // Activated again: the node starts again, same process.
        m_nm.nmcli({"connection", "up", "re6st-main"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        QTRY_VERIFY2_WITH_TIMEOUT(running(), qPrintable(state() + nodeLog()), kBound);
        QTRY_VERIFY2_WITH_TIMEOUT(babeld(), qPrintable(childrenOf(pid).join(u',') + nodeLog()), kBound);
        QTRY_VERIFY_WITH_TIMEOUT(m_nm.inNamespace(addrShow).contains(address), kBound);
        QVERIFY(m_re6stnet.state() == QProcess::Running);
        QCOMPARE(m_re6stnet.processId(), pid);

        // Down again, then Stop (root: polkit authorizes): the interface coming back
        // starts nothing.
        m_nm.nmcli({"device", "disconnect", "re6sttest0"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        QTRY_COMPARE_WITH_TIMEOUT(state(), QStringLiteral("stopped"), kBound);
        QTRY_VERIFY_WITH_TIMEOUT(!babeld(), kBound);
        const QDBusMessage stopped = nodeCall(node1, QStringLiteral("Stop"));
        QVERIFY2(stopped.type() == QDBusMessage::ReplyMessage, qPrintable(stopped.errorName() + u' ' + stopped.errorMessage()));
        m_nm.nmcli({"connection", "up", "re6st-main"}, &ok, &err);
        QVERIFY2(ok, qPrintable(err));
        // re6stnet has seen the interface up (the node would have started in the same turn).
        QTRY_COMPARE_WITH_TIMEOUT(mainInterfaceState(), QStringLiteral("up"), kBound);
        QCOMPARE(state(), QStringLiteral("stopped"));
        const QString userDetail = property(QStringLiteral("StateDetail")).toString();
        QVERIFY2(!userDetail.contains(QLatin1String("re6sttest0")), qPrintable(userDetail));
        QVERIFY(!babeld());
        // And Start starts it.
        const QDBusMessage started = nodeCall(node1, QStringLiteral("Start"));
        QVERIFY2(started.type() == QDBusMessage::ReplyMessage, qPrintable(started.errorName() + u' ' + started.errorMessage()));
        QTRY_VERIFY2_WITH_TIMEOUT(running(), qPrintable(state() + nodeLog()), kBound);
        QTRY_VERIFY2_WITH_TIMEOUT(babeld(), qPrintable(childrenOf(pid).join(u',') + nodeLog()), kBound);
        QCOMPARE(m_re6stnet.processId(), pid);
    }
};

QTEST_GUILESS_MAIN(TestNetworkManager)
#include "tst_networkmanager.moc"
