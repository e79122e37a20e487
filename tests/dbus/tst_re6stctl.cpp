// SPDX-License-Identifier: GPL-2.0-or-later
// The re6stctl binary ($RE6ST_BIN_DIR/re6stctl) against a private system bus
// (DBUS_SYSTEM_BUS_ADDRESS): queries and --json against the daemon's real
// DBusService; actions and enrollment against a fake org.re6st.Node speaking the
// contract (dbus/*.xml) so every error name and exit code can be provoked; no daemon
// on the bus; no bus at all. Needs the re6stctl target built.
#include "../../daemon/DBusService.h"
#include "../../daemon/NodeController.h"
#include "PrivateBus.h"

#include <QDBusAbstractAdaptor>
#include <QDBusConnection>
#include <QDBusContext>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

using re6st::daemon::DBusService;
using re6st::daemon::NodeStatus;

namespace {

const QString kPath = QStringLiteral("/org/re6st/Node");
const QString kFingerprint = QStringLiteral("sha256:") + QStringLiteral("0123456789abcdef").repeated(4);

// What the fake daemon was asked, and what it answers.
struct Script
{
    QStringList calls;                              // "KillTunnel re6stnet3", ...
    QMap<QString, std::pair<QString, QString>> errors; // method -> (error name, message)
    bool allInteractive = true;                     // every action allowed interactive auth
    QVariantMap enrollOptions;
};

// The object at /org/re6st/Node: QtDBus sets the call's context on it, not on the
// adaptors.
class FakeObject final : public QObject, protected QDBusContext
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FakeObject)
public:
    FakeObject() = default;
    const QDBusMessage &call() const { return message(); }
    void fail(const QString &name, const QString &text) const { sendErrorReply(name, text); }
};

// org.re6st.Node1 actions of the contract, answering from a Script.
class FakeNode final : public QDBusAbstractAdaptor
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.re6st.Node1")
    Q_DISABLE_COPY_MOVE(FakeNode)
public:
    FakeNode(FakeObject *parent, Script &script) : QDBusAbstractAdaptor(parent), m_object(parent), m_script(script) {}

public Q_SLOTS:
    void Start() { act(QStringLiteral("Start")); }
    void Stop() { act(QStringLiteral("Stop")); }
    void ReloadConfig() { act(QStringLiteral("ReloadConfig")); }
    void KillTunnel(const QString &tunnel) { act(QStringLiteral("KillTunnel"), tunnel); }
    void AddNeighbour(const QString &prefix) { act(QStringLiteral("AddNeighbour"), prefix); }
    void RemoveNeighbour(const QString &prefix) { act(QStringLiteral("RemoveNeighbour"), prefix); }

private:
    void act(const QString &method, const QString &argument = {})
    {
        m_script.calls.append(argument.isEmpty() ? method : method + u' ' + argument);
        m_script.allInteractive = m_script.allInteractive && m_object->call().isInteractiveAuthorizationAllowed();
        if (m_script.errors.contains(method)) {
            const auto &[name, text] = m_script.errors.value(method);
            m_object->fail(name, text);
        }
    }
    FakeObject *m_object;
    Script &m_script;
};

// org.re6st.Enrollment1 of the contract, answering from a Script.
class FakeEnrollment final : public QDBusAbstractAdaptor
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.re6st.Enrollment1")
    Q_DISABLE_COPY_MOVE(FakeEnrollment)
public:
    FakeEnrollment(FakeObject *parent, Script &script)
        : QDBusAbstractAdaptor(parent), m_object(parent), m_script(script)
    {
        setAutoRelaySignals(false);
    }

public Q_SLOTS:
    QString FetchCa(const QString &registry, QVariantMap &details)
    {
        m_script.calls.append(QStringLiteral("FetchCa ") + registry);
        if (fail(QStringLiteral("FetchCa")))
            return {};
        details = {{QStringLiteral("network"), QStringLiteral("2001:db8:42::/48")},
                   {QStringLiteral("subject"), QStringLiteral("CN=Test re6st CA")},
                   {QStringLiteral("not_after"), qlonglong(1900000000)},
                   {QStringLiteral("registry"), registry}};
        return kFingerprint;
    }
    void RequestToken(const QString &registry, const QString &fingerprint, const QString &email)
    {
        m_script.calls.append(QStringLiteral("RequestToken %1 %2 %3").arg(registry, fingerprint, email));
        if (fail(QStringLiteral("RequestToken")))
            return;
        Q_EMIT Progress(QStringLiteral("requesting-token"), QStringLiteral("Asking the registry to mail a token"));
    }
    QVariantMap Enroll(const QString &registry, const QString &fingerprint, const QString &token,
                       const QVariantMap &options)
    {
        m_script.calls.append(QStringLiteral("Enroll %1 %2 %3").arg(registry, fingerprint, token));
        m_script.enrollOptions = options;
        m_script.allInteractive = m_script.allInteractive && m_object->call().isInteractiveAuthorizationAllowed();
        Q_EMIT Progress(QStringLiteral("generating-key"), QStringLiteral("Generating a 2048-bit RSA key"));
        Q_EMIT Progress(QStringLiteral("requesting-certificate"), QStringLiteral("Asking the registry for a certificate"));
        if (fail(QStringLiteral("Enroll")))
            return {};
        Q_EMIT Progress(QStringLiteral("done"), QStringLiteral("Enrolled"));
        return {{QStringLiteral("prefix"), QStringLiteral("5/16")},
                {QStringLiteral("subnet"), QStringLiteral("2001:db8:42:5::/64")},
                {QStringLiteral("address"), QStringLiteral("2001:db8:42:5::1")},
                {QStringLiteral("not_after"), qlonglong(QDateTime::currentSecsSinceEpoch() + 365 * 86400 + 3600)},
                {QStringLiteral("renew_after"), qlonglong(QDateTime::currentSecsSinceEpoch() + 300 * 86400 + 3600)},
                {QStringLiteral("directory"), QStringLiteral("/etc/re6stnet")}};
    }

Q_SIGNALS:
    void Progress(const QString &step, const QString &detail);

private:
    bool fail(const QString &method)
    {
        if (!m_script.errors.contains(method))
            return false;
        const auto &[name, text] = m_script.errors.value(method);
        m_object->fail(name, text);
        return true;
    }
    FakeObject *m_object;
    Script &m_script;
};

// Would do every action: only polkit stands in the way.
class AgreeingController final : public re6st::daemon::NodeController
{
public:
    QStringList calls;
    void start(Done done) override { calls << QStringLiteral("start"); done(Reply::ok()); }
    void stop(Done done) override { calls << QStringLiteral("stop"); done(Reply::ok()); }
    void reloadConfig(Done done) override { calls << QStringLiteral("reload"); done(Reply::ok()); }
    void killTunnel(const QString &, Done done) override { calls << QStringLiteral("kill"); done(Reply::ok()); }
    void addNeighbour(const QString &, Done done) override { calls << QStringLiteral("add"); done(Reply::ok()); }
    void removeNeighbour(const QString &, Done done) override { calls << QStringLiteral("remove"); done(Reply::ok()); }
    void fetchCa(const QString &, Done done) override { calls << QStringLiteral("fetch"); done(Reply::ok()); }
    void requestToken(const QString &, const QString &, const QString &, Progress, Done done) override
    {
        calls << QStringLiteral("request");
        done(Reply::ok());
    }
    void enroll(const QString &, const QString &, const QString &, const QVariantMap &, Progress, Done done) override
    {
        calls << QStringLiteral("enroll");
        done(Reply::ok());
    }
};

qint64 now()
{
    return QDateTime::currentSecsSinceEpoch();
}

NodeStatus sampleStatus()
{
    NodeStatus s;
    s.state = NodeStatus::State::Connected;
    s.prefix = QStringLiteral("1/16");
    s.address = QStringLiteral("2001:db8:42:1::1");
    s.subnet = QStringLiteral("2001:db8:42:1::/64");
    s.network = QStringLiteral("2001:db8:42::/48");
    s.registry = QStringLiteral("http://re6st.example.com/");
    s.registryReachable = true;
    s.certificateNotAfter = now() + 36 * 86400 + 3600;
    s.nextRenewal = now() + 24 * 86400 + 3600;
    s.enrolled = true;
    s.configDirectory = QStringLiteral("/etc/re6stnet");
    s.neighbourPrefixes = {QStringLiteral("2/16")};
    s.peerCount = 3;
    s.tunnelCount = 1;
    s.protocolVersion = 10;
    s.version = QStringLiteral("0.1.0");
    s.babelReachable = true;
    s.peers = {NodeStatus::peerRecord(QStringLiteral("10/16"), QStringLiteral("2001:db8:42:a::1"), QString(), 10, 0, false),
               NodeStatus::peerRecord(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"), QStringLiteral("FR"), 10,
                                      now() - 60, true),
               NodeStatus::peerRecord(QStringLiteral("3/16"), QStringLiteral("2001:db8:42:3::1"), QStringLiteral("DE"), 10,
                                      now() - 600, false)};
    s.tunnels = {NodeStatus::tunnelRecord(QStringLiteral("re6stnet3"), QStringLiteral("2/16"), QStringLiteral("udp"), true,
                                          now() - 7200, 1536, 2 * 1024 * 1024)};
    s.routes = {NodeStatus::routeRecord(QStringLiteral("2001:db8:42:2::/64"), QStringLiteral("::/0"), QStringLiteral("fe80::2"),
                                        QStringLiteral("re6stnet3"), 256, true),
                NodeStatus::routeRecord(QStringLiteral("2001:db8:42:3::/64"), QStringLiteral("::/0"), QStringLiteral("fe80::2"),
                                        QStringLiteral("re6stnet3"), 512, true)};
    s.neighbours = {NodeStatus::neighbourRecord(QStringLiteral("fe80::2"), QStringLiteral("re6stnet3"), 12.34, 96, 0xffff)};
    return s;
}

} // namespace

class TestRe6stctl final : public QObject
{
    Q_OBJECT

    struct Run
    {
        int code = -1;
        QString out;
        QString err;
    };

    QString m_binary;

    // Runs re6stctl with the bus at `address` while this process keeps serving it.
    Run run(const QStringList &arguments, const QString &address, const QByteArray &input = {})
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"), address);
        env.insert(QStringLiteral("TZ"), QStringLiteral("UTC"));
        p.setProcessEnvironment(env);
        QSignalSpy finished(&p, &QProcess::finished);
        p.start(m_binary, arguments);
        Run r;
        if (!p.waitForStarted(10000))
            return r;
        p.write(input);
        p.closeWriteChannel();
        if (finished.isEmpty() && !finished.wait(60000)) {
            p.kill();
            p.waitForFinished(5000);
            r.err = QStringLiteral("re6stctl did not finish within 60 s");
            return r;
        }
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    static QString show(const Run &r)
    {
        return QStringLiteral("exit %1\n--- stdout:\n%2--- stderr:\n%3").arg(r.code).arg(r.out, r.err);
    }

    // A private bus with the real DBusService serving `status` as org.re6st.Node.
    struct Daemon
    {
        re6st::test::PrivateBus bus;
        std::unique_ptr<DBusService> service;
        QString connectionName;
    };

    static bool startDaemon(Daemon &d, DBusService::Provider provider, QString *error)
    {
        if (!d.bus.start({}, error))
            return false;
        static int counter = 0;
        d.connectionName = QStringLiteral("daemon%1").arg(++counter);
        QDBusConnection conn = QDBusConnection::connectToBus(d.bus.address(), d.connectionName);
        if (!conn.isConnected()) {
            *error = QStringLiteral("cannot connect to the private bus");
            return false;
        }
        d.service = std::make_unique<DBusService>(conn, std::move(provider));
        return d.service->start(error, true);
    }

    // A private bus with the fake daemon (actions, enrollment) as org.re6st.Node.
    struct Fake
    {
        re6st::test::PrivateBus bus;
        FakeObject object;
        Script script;
        QString connectionName;
    };

    static bool startFake(Fake &f, QString *error)
    {
        if (!f.bus.start({}, error))
            return false;
        static int counter = 0;
        f.connectionName = QStringLiteral("fake%1").arg(++counter);
        QDBusConnection conn = QDBusConnection::connectToBus(f.bus.address(), f.connectionName);
        new FakeNode(&f.object, f.script);
        new FakeEnrollment(&f.object, f.script);
        if (!conn.registerObject(kPath, &f.object, QDBusConnection::ExportAdaptors)
            || !conn.registerService(QStringLiteral("org.re6st.Node"))) {
            *error = QStringLiteral("cannot export the fake daemon: ") + conn.lastError().message();
            return false;
        }
        return true;
    }

#define START_DAEMON(d, provider)                                                   \
    Daemon d;                                                                        \
    {                                                                                \
        QString error_;                                                              \
        QVERIFY2(startDaemon(d, provider, &error_), qPrintable(error_));             \
    }
#define START_FAKE(f)                                                                \
    Fake f;                                                                          \
    {                                                                                \
        QString error_;                                                              \
        QVERIFY2(startFake(f, &error_), qPrintable(error_));                         \
    }

private Q_SLOTS:
    void initTestCase()
    {
        qDBusRegisterMetaType<QList<QVariantMap>>();
        if (re6st::test::PrivateBus::daemonPath().isEmpty())
            QSKIP("dbus-daemon not installed (Debian package `dbus`)");
        m_binary = qEnvironmentVariable("RE6ST_BIN_DIR") + QStringLiteral("/re6stctl");
        QVERIFY2(QFileInfo(m_binary).isExecutable(),
                 qPrintable(QStringLiteral("%1 not found: build the re6stctl target (RE6ST_BIN_DIR)").arg(m_binary)));
    }

    void helpAndVersionNeedNoBus()
    {
        Run r = run({QStringLiteral("--help")}, QStringLiteral("unix:path=/nonexistent/bus"));
        QVERIFY2(r.code == 0, qPrintable(show(r)));
        QVERIFY(r.out.contains(QLatin1String("4  not authorized")));
        r = run({QStringLiteral("--version")}, QStringLiteral("unix:path=/nonexistent/bus"));
        QVERIFY2(r.code == 0 && r.out.startsWith(QLatin1String("re6stctl ")), qPrintable(show(r)));
        r = run({QStringLiteral("neighbour"), QStringLiteral("add"), QStringLiteral("bogus")},
                QStringLiteral("unix:path=/nonexistent/bus"));
        QVERIFY2(r.code == 2, qPrintable(show(r)));
        QVERIFY2(r.err.startsWith(QLatin1String("re6stctl: `bogus` is not a prefix")), qPrintable(show(r)));
        QCOMPARE(r.err.count(u'\n'), 1);
    }

    // Audit F12: a --config that is not a readable file gets its reason; "run as root"
    // only for a permission error when not root.
    void doctorLocalConfigNotAFile()
    {
        const QString noBus = QStringLiteral("unix:path=/nonexistent/bus");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Run r = run({QStringLiteral("doctor"), QStringLiteral("--local"), QStringLiteral("--config"), dir.path()}, noBus);
        QVERIFY2(r.code == 2, qPrintable(show(r)));
        QCOMPARE(r.err, QStringLiteral("re6stctl: cannot read %1: not a regular file (give the path of a file, not "
                                       "a directory, device or pipe)\n").arg(dir.path()));
        const QString missing = dir.filePath(QStringLiteral("missing.conf"));
        r = run({QStringLiteral("doctor"), QStringLiteral("--local"), QStringLiteral("--config"), missing}, noBus);
        QVERIFY2(r.code == 2, qPrintable(show(r)));
        QVERIFY2(r.err.endsWith(QLatin1String(": give the node's configuration with --config FILE\n")), qPrintable(show(r)));
        QVERIFY2(!r.err.contains(QLatin1String("root")), qPrintable(show(r)));
        if (::geteuid() == 0) return; // root reads an unreadable file anyway (and the checks would run)
        const QString locked = dir.filePath(QStringLiteral("locked.conf"));
        QFile file(locked);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QVERIFY(QFile::setPermissions(locked, QFileDevice::WriteOwner));
        r = run({QStringLiteral("doctor"), QStringLiteral("--local"), QStringLiteral("--config"), locked}, noBus);
        QVERIFY2(r.code == 2, qPrintable(show(r)));
        QVERIFY2(r.err.endsWith(QLatin1String(": run as root\n")), qPrintable(show(r)));
    }

    void noBus()
    {
        QTemporaryDir dir;
        const QString address = QStringLiteral("unix:path=%1/no-such-bus").arg(dir.path());
        const Run r = run({QStringLiteral("status")}, address);
        QVERIFY2(r.code == 3, qPrintable(show(r)));
        QVERIFY2(r.err.startsWith(QStringLiteral("re6stctl: cannot connect to the system bus at %1").arg(address)),
                 qPrintable(show(r)));
        QVERIFY2(r.err.contains(QLatin1String("is dbus running?")), qPrintable(show(r)));
        QCOMPARE(r.err.count(u'\n'), 1);
        QVERIFY(r.out.isEmpty());
    }

    void noDaemon_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("status") << QStringList{QStringLiteral("status")};
        QTest::newRow("json peers") << QStringList{QStringLiteral("--json"), QStringLiteral("peers")};
        QTest::newRow("stop") << QStringList{QStringLiteral("stop")};
        QTest::newRow("enroll") << QStringList{QStringLiteral("enroll"), QStringLiteral("http://reg.example/")};
    }
    void noDaemon()
    {
        QFETCH(QStringList, arguments);
        re6st::test::PrivateBus bus;
        QString error;
        QVERIFY2(bus.start({}, &error), qPrintable(error));
        const Run r = run(arguments, bus.address());
        QVERIFY2(r.code == 3, qPrintable(show(r)));
        QCOMPARE(r.err, QStringLiteral("re6stctl: the re6stnet daemon is not running (nobody owns org.re6st.Node on the "
                                       "system bus): start it with `systemctl start re6stnet`\n"));
        QVERIFY(r.out.isEmpty());
    }

    void status()
    {
        START_DAEMON(d, sampleStatus);
        const Run r = run({QStringLiteral("status")}, d.bus.address());
        QVERIFY2(r.code == 0, qPrintable(show(r)));
        QVERIFY2(r.err.isEmpty(), qPrintable(show(r)));
        const QStringList lines = r.out.split(u'\n');
        QVERIFY2(lines.size() > 12, qPrintable(show(r)));
        // Our node first: address, then state.
        QCOMPARE(lines.at(0), QStringLiteral("Address:     2001:db8:42:1::1"));
        QCOMPARE(lines.at(1), QStringLiteral("State:       connected"));
        const QString notAfter = QDateTime::fromSecsSinceEpoch(d.service->status().certificateNotAfter, QTimeZone::utc())
                                     .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        for (const QString &expected : {QStringLiteral("Prefix:      1/16"),
                                        QStringLiteral("Subnet:      2001:db8:42:1::/64"),
                                        QStringLiteral("Network:     2001:db8:42::/48"),
                                        QStringLiteral("Registry:    http://re6st.example.com/ (reachable)"),
                                        QStringLiteral("Certificate: valid until %1 (in 36 days)").arg(notAfter),
                                        QStringLiteral("Tunnels:     1 up, 3 peers known"),
                                        QStringLiteral("Neighbours:  2/16"),
                                        QStringLiteral("Daemon:      0.1.0, protocol 10")})
            QVERIFY2(lines.contains(expected), qPrintable(expected + QStringLiteral(" missing in\n") + r.out));
        QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("\nRenewal: +\\S+ \\S+ \\(in 24 days\\)\n"))),
                 qPrintable(r.out));
        // Peers sorted by prefix, with rtt and how they are reached.
        const qsizetype header = lines.indexOf(QRegularExpression(QStringLiteral("^PREFIX +ADDRESS +RTT +REACHED +COUNTRY$")));
        QVERIFY2(header > 0, qPrintable(r.out));
        QVERIFY2(lines.at(header + 1).contains(QRegularExpression(
                     QStringLiteral("^2/16 +2001:db8:42:2::1 +12\\.3 ms +direct \\(re6stnet3, client udp\\) +FR$"))),
                 qPrintable(r.out));
        QVERIFY2(lines.at(header + 2).contains(QRegularExpression(
                     QStringLiteral("^3/16 +2001:db8:42:3::1 +- +via fe80::2 on re6stnet3 +DE$"))),
                 qPrintable(r.out));
        QVERIFY2(lines.at(header + 3).contains(QRegularExpression(QStringLiteral("^10/16 +2001:db8:42:a::1 +- +- +-$"))),
                 qPrintable(r.out));
        // Aligned: every peer line has REACHED at the same column.
        const qsizetype column = lines.at(header).indexOf(QLatin1String("REACHED"));
        QCOMPARE(lines.at(header + 1).indexOf(QLatin1String("direct")), column);
        QCOMPARE(lines.at(header + 2).indexOf(QLatin1String("via")), column);
    }

    void statusJson()
    {
        START_DAEMON(d, sampleStatus);
        const Run r = run({QStringLiteral("--json"), QStringLiteral("status")}, d.bus.address());
        QVERIFY2(r.code == 0, qPrintable(show(r)));
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &parseError);
        QVERIFY2(parseError.error == QJsonParseError::NoError, qPrintable(parseError.errorString() + u'\n' + r.out));
        const QJsonObject props = doc.object().value(QStringLiteral("properties")).toObject();
        // Every property the daemon exports, with its value.
        const QVariantMap expected = d.service->status().properties();
        for (auto it = expected.cbegin(); it != expected.cend(); ++it)
            QVERIFY2(props.contains(it.key()), qPrintable(it.key()));
        QCOMPARE(props.value(QStringLiteral("State")).toString(), QStringLiteral("connected"));
        QCOMPARE(props.value(QStringLiteral("Prefix")).toString(), QStringLiteral("1/16"));
        QCOMPARE(props.value(QStringLiteral("RegistryReachable")).toBool(), true);
        QCOMPARE(props.value(QStringLiteral("CertificateNotAfter")).toInteger(), d.service->status().certificateNotAfter);
        QCOMPARE(props.value(QStringLiteral("PeerCount")).toInteger(), 3);
        QCOMPARE(props.value(QStringLiteral("Enrolled")).toBool(), true);
        QCOMPARE(props.value(QStringLiteral("Neighbours")).toArray(), QJsonArray{QStringLiteral("2/16")});
        const QJsonArray peers = doc.object().value(QStringLiteral("peers")).toArray();
        QCOMPARE(peers.size(), 3);
        QSet<QString> prefixes;
        for (const QJsonValue &p : peers) {
            const QJsonObject o = p.toObject();
            QCOMPARE(o.keys(), (QStringList{QStringLiteral("address"), QStringLiteral("connected"), QStringLiteral("country"),
                                            QStringLiteral("last_seen"), QStringLiteral("prefix"), QStringLiteral("protocol")}));
            prefixes.insert(o.value(QStringLiteral("prefix")).toString());
            if (o.value(QStringLiteral("prefix")).toString() == QLatin1String("2/16")) {
                QCOMPARE(o.value(QStringLiteral("connected")).toBool(), true);
                QCOMPARE(o.value(QStringLiteral("country")).toString(), QStringLiteral("FR"));
                QCOMPARE(o.value(QStringLiteral("protocol")).toInteger(), 10);
            }
        }
        QCOMPARE(prefixes, (QSet<QString>{QStringLiteral("2/16"), QStringLiteral("3/16"), QStringLiteral("10/16")}));
    }

    void queries_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("header");    // human table header (regexp)
        QTest::addColumn<QString>("firstRow");  // first human row (regexp)
        QTest::addColumn<QStringList>("keys");  // --json record keys
        QTest::newRow("peers") << "peers" << "^PREFIX +ADDRESS +COUNTRY +PROTOCOL +LAST SEEN +CONNECTED$"
                               << "^2/16 +2001:db8:42:2::1 +FR +10 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +yes$"
                               << QStringList{"address", "connected", "country", "last_seen", "prefix", "protocol"};
        QTest::newRow("tunnels") << "tunnels" << "^PEER +INTERFACE +PROTOCOL +DIRECTION +SINCE +RX +TX$"
                                 << "^2/16 +re6stnet3 +udp +client +\\S+ \\S+ +1\\.5 KiB +2\\.0 MiB$"
                                 << QStringList{"direction", "interface", "peer", "protocol", "rx_bytes", "since", "tx_bytes"};
        QTest::newRow("routes") << "routes" << "^DESTINATION +SOURCE +NEXT HOP +INTERFACE +METRIC +INSTALLED$"
                                << "^2001:db8:42:2::/64 +::/0 +fe80::2 +re6stnet3 +256 +yes$"
                                << QStringList{"destination", "installed", "interface", "metric", "next_hop", "source"};
        QTest::newRow("neighbours") << "neighbours" << "^INTERFACE +ADDRESS +RTT +COST +REACH$"
                                    << "^re6stnet3 +fe80::2 +12\\.3 ms +96 +ffff$"
                                    << QStringList{"address", "cost", "interface", "reach", "rtt_ms"};
    }
    void queries()
    {
        QFETCH(QString, command);
        QFETCH(QString, header);
        QFETCH(QString, firstRow);
        QFETCH(QStringList, keys);
        START_DAEMON(d, sampleStatus);
        Run r = run({command}, d.bus.address());
        QVERIFY2(r.code == 0, qPrintable(show(r)));
        const QStringList lines = r.out.split(u'\n');
        QVERIFY2(lines.value(0).contains(QRegularExpression(header)), qPrintable(r.out));
        QVERIFY2(lines.value(1).contains(QRegularExpression(firstRow)), qPrintable(r.out));

        r = run({command, QStringLiteral("--json")}, d.bus.address());
        QVERIFY2(r.code == 0, qPrintable(show(r)));
        const QJsonArray records = QJsonDocument::fromJson(r.out.toUtf8()).array();
        QVERIFY2(!records.isEmpty(), qPrintable(r.out));
        for (const QJsonValue &v : records)
            QCOMPARE(v.toObject().keys(), keys);
        if (command == QLatin1String("neighbours"))
            QCOMPARE(records.at(0).toObject().value(QStringLiteral("rtt_ms")).toDouble(), 12.34);
        if (command == QLatin1String("tunnels"))
            QCOMPARE(records.at(0).toObject().value(QStringLiteral("tx_bytes")).toInteger(), 2 * 1024 * 1024);
    }

    void babelUnavailable()
    {
        START_DAEMON(d, [] {
            NodeStatus s = sampleStatus();
            s.babelReachable = false;
            return s;
        });
        Run r = run({QStringLiteral("routes")}, d.bus.address());
        QVERIFY2(r.code == 1, qPrintable(show(r)));
        QVERIFY2(r.err.startsWith(QLatin1String("re6stctl: babeld is not answering, the routing table is unknown")),
                 qPrintable(show(r)));
        QCOMPARE(r.err.count(u'\n'), 1);
        // status still works, without rtt and routes.
        r = run({QStringLiteral("status")}, d.bus.address());
        QVERIFY2(r.code == 0, qPrintable(show(r)));
        QVERIFY2(r.out.contains(QLatin1String("direct (re6stnet3, client udp)")), qPrintable(r.out));
        QVERIFY2(r.out.endsWith(QLatin1String("Note: babeld is not answering (rtt and routes unknown).\n")),
                 qPrintable(r.out));
    }

    void noStatusYet()
    {
        START_DAEMON(d, DBusService::Provider());
        const Run r = run({QStringLiteral("peers")}, d.bus.address());
        QVERIFY2(r.code == 1, qPrintable(show(r)));
        QVERIFY2(r.err.startsWith(QLatin1String("re6stctl: the daemon has no status yet: ")), qPrintable(show(r)));
    }

    // The real service without polkit on the bus refuses every action: exit 4.
    void realServiceRefusesWithoutPolkit()
    {
        START_DAEMON(d, sampleStatus);
        AgreeingController controller;
        d.service->setController(&controller);
        const Run r = run({QStringLiteral("tunnel"), QStringLiteral("kill"), QStringLiteral("re6stnet3")}, d.bus.address());
        QVERIFY2(r.code == 4, qPrintable(show(r)));
        // NotAuthorized, and the line says polkit is missing rather than "authenticate".
        QVERIFY2(r.err.startsWith(QLatin1String("re6stctl: cannot kill a tunnel: the daemon refuses every action while "
                                                "polkit is not running: ")),
                 qPrintable(show(r)));
        QCOMPARE(r.err.count(u'\n'), 1);
        QVERIFY(controller.calls.isEmpty());
    }

    void actions_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("failingMethod"); // empty: success
        QTest::addColumn<QString>("errorName");
        QTest::addColumn<QString>("call");          // what the daemon must have been asked
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("output");        // stdout (success) or stderr line part
        QTest::newRow("start") << QStringList{"start"} << "" << "" << "Start" << 0 << "Node started.\n";
        QTest::newRow("stop") << QStringList{"stop"} << "" << "" << "Stop" << 0 << "Node stopped.\n";
        QTest::newRow("reload") << QStringList{"reload"} << "" << "" << "ReloadConfig" << 0
                                << "Network configuration reloaded.\n";
        QTest::newRow("tunnel kill") << QStringList{"tunnel", "kill", "re6stnet3"} << "" << "" << "KillTunnel re6stnet3"
                                     << 0 << "Tunnel re6stnet3 killed.\n";
        QTest::newRow("neighbour add") << QStringList{"neighbour", "add", "5/16"} << "" << "" << "AddNeighbour 5/16" << 0
                                       << "Neighbour 5/16 added";
        QTest::newRow("neighbour del") << QStringList{"neighbour", "del", "5/16"} << "" << "" << "RemoveNeighbour 5/16"
                                       << 0 << "Neighbour 5/16 removed";
        QTest::newRow("start not enrolled") << QStringList{"start"} << "Start" << "org.re6st.Error.NotEnrolled" << "Start"
                                            << 5 << "run `re6stctl enroll URL`";
        // Audit M2: the daemon's reason is kept (it says what to do itself).
        QTest::newRow("stop refused") << QStringList{"stop"} << "Stop" << "org.re6st.Error.NotAuthorized" << "Stop" << 4
                                      << "re6stctl: not allowed to stop the node: boom\n";
        QTest::newRow("access denied") << QStringList{"reload"} << "ReloadConfig"
                                       << "org.freedesktop.DBus.Error.AccessDenied" << "ReloadConfig" << 4
                                       << "not allowed to reload the network configuration: boom; run as root";
        QTest::newRow("kill not found") << QStringList{"tunnel", "kill", "re6stnet9"} << "KillTunnel"
                                        << "org.re6st.Error.NotFound" << "KillTunnel re6stnet9" << 1
                                        << "no such tunnel: boom; list them with `re6stctl tunnels`";
        QTest::newRow("add invalid") << QStringList{"neighbour", "add", "99999/16"} << "AddNeighbour"
                                     << "org.re6st.Error.InvalidArgument" << "AddNeighbour 99999/16" << 2
                                     << "the daemon rejected the argument: boom";
        QTest::newRow("reload failed") << QStringList{"reload"} << "ReloadConfig" << "org.re6st.Error.Failed"
                                       << "ReloadConfig" << 1 << "could not reload the network configuration: boom";
    }
    void actions()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, failingMethod);
        QFETCH(QString, errorName);
        QFETCH(QString, call);
        QFETCH(int, code);
        QFETCH(QString, output);
        START_FAKE(f);
        if (!failingMethod.isEmpty())
            f.script.errors.insert(failingMethod, {errorName, QStringLiteral("boom")});
        const Run r = run(arguments, f.bus.address());
        QVERIFY2(r.code == code, qPrintable(show(r)));
        QCOMPARE(f.script.calls, QStringList{call});
        QVERIFY2(f.script.allInteractive, "an action call did not allow interactive authorization");
        if (code == 0) {
            QVERIFY2(r.out.startsWith(output), qPrintable(show(r)));
            QVERIFY2(r.err.isEmpty(), qPrintable(show(r)));
        } else {
            QVERIFY2(r.err.startsWith(QLatin1String("re6stctl: ")), qPrintable(show(r)));
            QVERIFY2(r.err.contains(output), qPrintable(show(r)));
            QCOMPARE(r.err.count(u'\n'), 1);
            QVERIFY(r.out.isEmpty());
        }
    }

    void enrollWithMailedToken()
    {
        START_FAKE(f);
        const QString url = QStringLiteral("http://reg.example/");
        const Run r = run({QStringLiteral("enroll"), url, QStringLiteral("--email"), QStringLiteral("me@example.com")},
                          f.bus.address(), "y\nTOKEN123\n");
        QVERIFY2(r.code == 0, qPrintable(show(r)));
        QCOMPARE(f.script.calls, (QStringList{QStringLiteral("FetchCa ") + url,
                                              QStringLiteral("RequestToken %1 %2 me@example.com").arg(url, kFingerprint),
                                              QStringLiteral("Enroll %1 %2 TOKEN123").arg(url, kFingerprint)}));
        QVERIFY(f.script.allInteractive);
        QVERIFY(f.script.enrollOptions.isEmpty());
        // The CA to confirm, the prompts, the progress in order, then the result.
        const QStringList expectedInOrder{
            QStringLiteral("Fingerprint:  ") + kFingerprint + u'\n', // first, before the registry's values
            QStringLiteral("Network:      2001:db8:42::/48\n"),
            QStringLiteral("Is it the same? [y/N] "),
            QStringLiteral("  ... Asking the registry to mail a token\n"),
            QStringLiteral("The registry mailed a token to me@example.com.\nToken: "),
            QStringLiteral("  ... Generating a 2048-bit RSA key\n"),
            QStringLiteral("  ... Asking the registry for a certificate\n"),
            QStringLiteral("  ... Enrolled\n"),
            QStringLiteral("Enrolled.\nPrefix:       5/16\nSubnet:       2001:db8:42:5::/64\nAddress:      2001:db8:42:5::1\n"),
            QStringLiteral("(in 365 days)\nRenewal:      "),
            QStringLiteral("(in 300 days)\nDirectory:    /etc/re6stnet\n"),
            QStringLiteral("Back up /etc/re6stnet/cert.key now")};
        qsizetype at = 0;
        for (const QString &part : expectedInOrder) {
            const qsizetype found = r.out.indexOf(part, at);
            QVERIFY2(found >= 0, qPrintable(QStringLiteral("missing (in order): %1\n%2").arg(part, show(r))));
            at = found + part.size();
        }
    }

    void enrollAnonymousJson()
    {
        START_FAKE(f);
        const QString url = QStringLiteral("https://reg.example/");
        const Run r = run({QStringLiteral("--json"), QStringLiteral("enroll"), url, QStringLiteral("--anonymous"),
                           QStringLiteral("--fingerprint"), kFingerprint.toUpper().replace(QLatin1String("SHA256:"), QLatin1String("sha256:")),
                           QStringLiteral("--replace")},
                          f.bus.address());
        QVERIFY2(r.code == 0, qPrintable(show(r)));
        QCOMPARE(f.script.calls, (QStringList{QStringLiteral("FetchCa ") + url,
                                              QStringLiteral("Enroll %1 %2 ").arg(url, kFingerprint)}));
        QCOMPARE(f.script.enrollOptions.value(QStringLiteral("anonymous")).toBool(), true);
        QCOMPARE(f.script.enrollOptions.value(QStringLiteral("replace")).toBool(), true);
        const QJsonObject result = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(result.value(QStringLiteral("prefix")).toString(), QStringLiteral("5/16"));
        QCOMPARE(result.value(QStringLiteral("directory")).toString(), QStringLiteral("/etc/re6stnet"));
        // Chatter went to stderr, stdout holds the JSON document only.
        QVERIFY2(r.err.contains(QLatin1String("The fingerprint matches --fingerprint.")), qPrintable(show(r)));
        QVERIFY2(r.err.contains(QLatin1String("  ... Generating a 2048-bit RSA key")), qPrintable(show(r)));
    }

    void enrollRefusals_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("failingMethod");
        QTest::addColumn<QString>("errorName");
        QTest::addColumn<QStringList>("calls");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        const QString fetch = QStringLiteral("FetchCa http://reg.example/");
        const QString request = QStringLiteral("RequestToken http://reg.example/ %1 a@b.example").arg(kFingerprint);
        const QString enroll = QStringLiteral("Enroll http://reg.example/ %1 T").arg(kFingerprint);
        QTest::newRow("declined") << QStringList{"--email", "a@b.example"} << QByteArray("n\n") << "" << ""
                                  << QStringList{fetch} << 1 << "enrollment cancelled, nothing was changed";
        QTest::newRow("end of input") << QStringList{"--email", "a@b.example"} << QByteArray() << "" << ""
                                      << QStringList{fetch} << 1 << "enrollment cancelled";
        QTest::newRow("wrong fingerprint") << QStringList{"--token", "T", "--fingerprint", QStringLiteral("sha256:") + QString(64, u'f')}
                                           << QByteArray() << "" << "" << QStringList{fetch} << 1
                                           << QStringLiteral("the registry's CA fingerprint is %1, not the").arg(kFingerprint);
        QTest::newRow("unreachable") << QStringList{"--token", "T"} << QByteArray() << "FetchCa"
                                     << "org.re6st.Error.RegistryUnreachable" << QStringList{fetch} << 1
                                     << "the registry did not answer: boom; check the URL";
        QTest::newRow("no token typed") << QStringList{"--email", "a@b.example"} << QByteArray("y\n\n") << "" << ""
                                        << QStringList{fetch, request} << 1 << "no token given, nothing was changed";
        QTest::newRow("token rejected") << QStringList{"--token", "T"} << QByteArray("yes\n") << "Enroll"
                                        << "org.re6st.Error.TokenRejected" << QStringList{fetch, enroll} << 1
                                        << "the registry refused the token: boom";
        QTest::newRow("already enrolled") << QStringList{"--token", "T"} << QByteArray("y\n") << "Enroll"
                                          << "org.re6st.Error.AlreadyEnrolled" << QStringList{fetch, enroll} << 1
                                          << "this node is already enrolled: boom";
        QTest::newRow("not authorized") << QStringList{"--email", "a@b.example"} << QByteArray("y\n") << "RequestToken"
                                        << "org.re6st.Error.NotAuthorized" << QStringList{fetch, request} << 4
                                        << "re6stctl: not allowed to enroll this node: boom\n";
        QTest::newRow("busy") << QStringList{"--token", "T"} << QByteArray("y\n") << "Enroll" << "org.re6st.Error.Busy"
                              << QStringList{fetch, enroll} << 1 << "the daemon is busy: boom";
        QTest::newRow("mismatch") << QStringList{"--token", "T"} << QByteArray("y\n") << "Enroll"
                                  << "org.re6st.Error.FingerprintMismatch" << QStringList{fetch, enroll} << 1
                                  << "the registry's CA is not the one you confirmed";
    }
    void enrollRefusals()
    {
        QFETCH(QStringList, extra);
        QFETCH(QByteArray, input);
        QFETCH(QString, failingMethod);
        QFETCH(QString, errorName);
        QFETCH(QStringList, calls);
        QFETCH(int, code);
        QFETCH(QString, message);
        START_FAKE(f);
        if (!failingMethod.isEmpty())
            f.script.errors.insert(failingMethod, {errorName, QStringLiteral("boom")});
        const Run r = run(QStringList{QStringLiteral("enroll"), QStringLiteral("http://reg.example/")} + extra,
                          f.bus.address(), input);
        QVERIFY2(r.code == code, qPrintable(show(r)));
        QCOMPARE(f.script.calls, calls);
        QVERIFY2(r.err.startsWith(QLatin1String("re6stctl: ")), qPrintable(show(r)));
        QVERIFY2(r.err.contains(message), qPrintable(show(r)));
        QCOMPARE(r.err.count(u'\n'), 1);
    }
};

QTEST_GUILESS_MAIN(TestRe6stctl)
#include "tst_re6stctl.moc"
