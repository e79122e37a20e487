// SPDX-License-Identifier: GPL-2.0-or-later
// org.re6st.Node1 on a private dbus-daemon: the live service matches the contract
// (dbus/org.re6st.Node1.xml) member for member, type for type, and announces changes.
#include "../../daemon/DBusService.h"
#include "../../daemon/NodeController.h"
#include "PrivateBus.h"

#include <QDBusArgument>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QXmlStreamReader>
#include <QtTest>
#include <unistd.h>

using re6st::daemon::DBusService;
using re6st::daemon::NodeStatus;

namespace {

const QString kPath = QString::fromLatin1(DBusService::kObjectPath);
const QString kIface = QString::fromLatin1(DBusService::kInterface);
const QString kProps = QStringLiteral("org.freedesktop.DBus.Properties");

// One member of org.re6st.Node1 as "kind name signature", e.g. "property State s read".
struct Contract
{
    QStringList members;
    QMap<QString, QString> propertyTypes;     // name -> signature
    QMap<QString, QString> docs;              // member name -> DocString
    QStringList propertiesWithoutChangeSignal;
};

Contract parseInterface(const QString &xml, const QString &interfaceName = kIface)
{
    Contract c;
    QXmlStreamReader r(xml);
    bool inInterface = false;
    QString kind, name, args, access;
    while (!r.atEnd()) {
        r.readNext();
        const QString tag = r.name().toString();
        const auto attr = [&](const char *a) { return r.attributes().value(QLatin1String(a)).toString(); };
        if (r.isStartElement()) {
            if (tag == QLatin1String("interface"))
                inInterface = attr("name") == interfaceName;
            else if (!inInterface)
                continue;
            else if (tag == QLatin1String("property") || tag == QLatin1String("method")
                     || tag == QLatin1String("signal")) {
                kind = tag;
                name = attr("name");
                args.clear();
                access = attr("access");
                if (kind == QLatin1String("property")) {
                    c.propertyTypes.insert(name, attr("type"));
                    c.propertiesWithoutChangeSignal.append(name);
                }
            } else if (tag == QLatin1String("arg")) {
                QString dir = attr("direction");
                if (dir.isEmpty())
                    dir = kind == QLatin1String("signal") ? QStringLiteral("out") : QStringLiteral("in");
                args += QStringLiteral(" %1:%2").arg(dir, attr("type"));
            } else if (tag == QLatin1String("annotation") && !kind.isEmpty()) {
                if (attr("name") == QLatin1String("org.gtk.GDBus.DocString"))
                    c.docs.insert(name, attr("value"));
                if (attr("name") == QLatin1String("org.freedesktop.DBus.Property.EmitsChangedSignal")
                    && attr("value") == QLatin1String("true"))
                    c.propertiesWithoutChangeSignal.removeAll(name);
            }
        } else if (r.isEndElement() && inInterface) {
            if (tag == QLatin1String("interface"))
                inInterface = false;
            else if (tag == kind) {
                c.members.append(kind + u' ' + name + (kind == QLatin1String("property") ? u' ' + c.propertyTypes.value(name) + u' ' + access : args));
                kind.clear();
            }
        }
    }
    c.members.sort();
    return c;
}

QString contractXml(const QString &file = QStringLiteral("org.re6st.Node1.xml"))
{
    QFile f(qEnvironmentVariable("RE6ST_SOURCE_DIR") + QStringLiteral("/dbus/") + file);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

// "Keys: prefix (s), address (s), ..." from a method's DocString.
QMap<QString, QString> documentedKeys(const QString &doc)
{
    QMap<QString, QString> keys;
    const qsizetype from = doc.indexOf(QLatin1String("Keys:"));
    const QString part = doc.mid(from, doc.indexOf(QLatin1String("Errors:")) - from);
    static const QRegularExpression re(QStringLiteral(R"((\w+) \(([a-z]+)[,)])"));
    for (auto it = re.globalMatch(part); it.hasNext();) {
        const auto m = it.next();
        keys.insert(m.captured(1), m.captured(2));
    }
    return keys;
}

QMetaType typeOf(const QString &signature)
{
    static const QMap<QString, QMetaType> types{
        {QStringLiteral("s"), QMetaType::fromType<QString>()},
        {QStringLiteral("b"), QMetaType::fromType<bool>()},
        {QStringLiteral("x"), QMetaType::fromType<qlonglong>()},
        {QStringLiteral("t"), QMetaType::fromType<qulonglong>()},
        {QStringLiteral("u"), QMetaType::fromType<uint>()},
        {QStringLiteral("q"), QMetaType::fromType<ushort>()},
        {QStringLiteral("d"), QMetaType::fromType<double>()},
        {QStringLiteral("as"), QMetaType::fromType<QStringList>()}};
    return types.value(signature);
}

NodeStatus sampleStatus()
{
    NodeStatus s;
    s.state = NodeStatus::State::Connecting;
    s.stateDetail = QStringLiteral("waiting for a first tunnel");
    s.prefix = QStringLiteral("1/16");
    s.address = QStringLiteral("2001:db8:42:1::1");
    s.subnet = QStringLiteral("2001:db8:42:1::/64");
    s.network = QStringLiteral("2001:db8:42::/48");
    s.registry = QStringLiteral("http://10.42.0.1/");
    s.registryReachable = true;
    s.certificateNotAfter = 4102444800; // beyond 2^31: must stay 64-bit
    s.nextRenewal = 4100000000;
    s.peerCount = 2;
    s.tunnelCount = 1;
    s.protocolVersion = 10;
    s.version = QStringLiteral("0.1.0");
    s.babelReachable = true;
    s.peers = {NodeStatus::peerRecord(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"),
                                      QStringLiteral("FR"), 10, 1700000000, true),
               NodeStatus::peerRecord(QStringLiteral("3/16"), QStringLiteral("2001:db8:42:3::1"),
                                      QString(), 9, 0, false)};
    s.tunnels = {NodeStatus::tunnelRecord(QStringLiteral("re6stnet-tcp"), QStringLiteral("2/16"),
                                          QStringLiteral("udp6"), true, 1700000100,
                                          Q_UINT64_C(5000000000), 42)};
    s.routes = {NodeStatus::routeRecord(QStringLiteral("2001:db8:42:2::/64"), QStringLiteral("::/0"),
                                        QStringLiteral("fe80::2"), QStringLiteral("re6stnet-tcp"), 256, true)};
    s.neighbours = {NodeStatus::neighbourRecord(QStringLiteral("fe80::2"), QStringLiteral("re6stnet-tcp"),
                                                12.5, 96, 0xfff0)};
    return s;
}

} // namespace

// Receives org.freedesktop.DBus.Properties.PropertiesChanged as a Qt signal for QSignalSpy.
// Records what the service asks of the node; answers at once.
class FakeController final : public re6st::daemon::NodeController
{
public:
    QStringList calls;
    void start(Done done) override { calls << QStringLiteral("start"); done(Reply::ok()); }
    void stop(Done done) override { calls << QStringLiteral("stop"); done(Reply::ok()); }
    void reloadConfig(Done done) override { calls << QStringLiteral("reload"); done(Reply::ok()); }
    void killTunnel(const QString &t, Done done) override { calls << QStringLiteral("kill ") + t; done(Reply::ok()); }
    void addNeighbour(const QString &p, Done done) override { calls << QStringLiteral("add ") + p; done(Reply::ok()); }
    void removeNeighbour(const QString &p, Done done) override { calls << QStringLiteral("del ") + p; done(Reply::ok()); }
    void fetchCa(const QString &r, Done done) override
    {
        calls << QStringLiteral("fetchCa ") + r;
        done(Reply::ok({QStringLiteral("sha256:ab"), QVariantMap{{QStringLiteral("network"), QStringLiteral("2001:db8:42::/48")}}}));
    }
    void requestToken(const QString &, const QString &, const QString &, Progress, Done done) override
    {
        calls << QStringLiteral("requestToken");
        done(Reply::ok());
    }
    void enroll(const QString &, const QString &, const QString &, const QVariantMap &, Progress, Done done) override
    {
        calls << QStringLiteral("enroll");
        done(Reply::ok({QVariantMap{}}));
    }
};

class PropertiesChangedSink final : public QObject
{
    Q_OBJECT
public:
    QList<QVariantMap> changes;
    QList<QStringList> invalidated;
    QStringList interfaces;
public Q_SLOTS:
    void onChanged(const QString &interface, const QVariantMap &changed, const QStringList &inval)
    {
        interfaces.append(interface);
        changes.append(changed);
        invalidated.append(inval);
        Q_EMIT received();
    }
Q_SIGNALS:
    void received();
};

// Counts an argument-less D-Bus signal.
class SignalCounter final : public QObject
{
    Q_OBJECT
public:
    int hits = 0;
public Q_SLOTS:
    void hit()
    {
        ++hits;
        Q_EMIT hitSignal();
    }
Q_SIGNALS:
    void hitSignal();
};

class TestDBusService final : public QObject
{
    Q_OBJECT
private:
    re6st::test::PrivateBus m_bus;
    NodeStatus m_fake;
    FakeController m_controller;
    std::unique_ptr<DBusService> m_service;
    QString m_dest; // where the client sends calls
    QDBusConnection client() const { return QDBusConnection(QStringLiteral("client")); }

    QDBusMessage call(const QString &interface, const QString &method, const QVariantList &args = {})
    {
        QDBusMessage m = QDBusMessage::createMethodCall(m_dest, kPath, interface, method);
        m.setArguments(args);
        return client().call(m, QDBus::BlockWithGui, 10000);
    }

    // dbus-send as user nobody (65534) on the private bus; the event loop keeps running
    // meanwhile so that our in-process service can answer.
    std::pair<int, QString> dbusSendAsNobody(const QStringList &arguments)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        QSignalSpy finished(&p, &QProcess::finished);
        p.start(QStringLiteral("setpriv"), QStringList{QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                                                       QStringLiteral("--clear-groups"), QStringLiteral("dbus-send"),
                                                       QStringLiteral("--bus=") + m_bus.address(),
                                                       QStringLiteral("--print-reply")} + arguments);
        if (!finished.wait(15000)) {
            ::kill(pid_t(p.processId()), SIGKILL);
            p.waitForFinished(5000);
            return {-1, QStringLiteral("dbus-send timed out")};
        }
        return {p.exitCode(), QString::fromLocal8Bit(p.readAll())};
    }

    // Calls `method` and checks that it fails with `error`, a message containing `says`,
    // and that the controller was never asked.
    void refusedWithoutControllerCall(const QString &interface, const QString &method, const QVariantList &args,
                                      const char *error, const QString &says)
    {
        m_service->setController(&m_controller);
        m_controller.calls.clear();
        const QDBusMessage reply = call(interface, method, args);
        QCOMPARE(reply.type(), QDBusMessage::ErrorMessage);
        QCOMPARE(reply.errorName(), QString::fromLatin1(error));
        QVERIFY2(reply.errorMessage().contains(says), qPrintable(reply.errorMessage()));
        QVERIFY2(m_controller.calls.isEmpty(), qPrintable(m_controller.calls.join(u',')));
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (re6st::test::PrivateBus::daemonPath().isEmpty())
            QSKIP("dbus-daemon not installed (Debian package `dbus`)");
        QVERIFY2(!contractXml().isEmpty(), "set RE6ST_SOURCE_DIR to the source tree (dbus/org.re6st.Node1.xml)");
        QString error;
        const QString policy = qEnvironmentVariable("RE6ST_SOURCE_DIR") + QStringLiteral("/dbus/org.re6st.Node.conf");
        QVERIFY2(m_bus.start({policy}, &error), qPrintable(error));
        QVERIFY(QDBusConnection::connectToBus(m_bus.address(), QStringLiteral("service")).isConnected());
        QVERIFY(QDBusConnection::connectToBus(m_bus.address(), QStringLiteral("client")).isConnected());

        m_fake = sampleStatus();
        m_service = std::make_unique<DBusService>(QDBusConnection(QStringLiteral("service")),
                                                  [this] { return m_fake; });
        if (::geteuid() == 0) {
            // dbus/org.re6st.Node.conf lets root own the name.
            QVERIFY2(m_service->start(&error), qPrintable(error));
            m_dest = QString::fromLatin1(DBusService::kServiceName);
        } else {
            // ... and nobody else: the start fails and says why.
            QVERIFY(!m_service->start(&error));
            QVERIFY2(error.contains(QLatin1String("org.re6st.Node")), qPrintable(error));
            m_dest = QDBusConnection(QStringLiteral("service")).baseService();
        }
    }

    void cleanupTestCase()
    {
        m_service.reset();
        QDBusConnection::disconnectFromBus(QStringLiteral("service"));
        QDBusConnection::disconnectFromBus(QStringLiteral("client"));
        m_bus.stop();
    }

    void contractIsDocumented()
    {
        const Contract c = parseInterface(contractXml());
        QCOMPARE(c.propertyTypes.size(), 17);
        QVERIFY2(c.propertiesWithoutChangeSignal.isEmpty(), qPrintable(c.propertiesWithoutChangeSignal.join(u',')));
        for (const QString &member : c.members) {
            const QString name = member.section(u' ', 1, 1);
            QVERIFY2(!c.docs.value(name).isEmpty(), qPrintable(member + QStringLiteral(": no DocString")));
        }
    }

    void introspectionMatchesContract()
    {
        const QDBusMessage reply = call(QStringLiteral("org.freedesktop.DBus.Introspectable"), QStringLiteral("Introspect"));
        QCOMPARE(reply.type(), QDBusMessage::ReplyMessage);
        const Contract live = parseInterface(reply.arguments().value(0).toString());
        const Contract file = parseInterface(contractXml());
        QVERIFY(!file.members.isEmpty());
        QCOMPARE(live.members, file.members);

        const QString enrollment = QString::fromLatin1(DBusService::kEnrollmentInterface);
        const Contract liveEnrollment = parseInterface(reply.arguments().value(0).toString(), enrollment);
        const Contract fileEnrollment = parseInterface(contractXml(QStringLiteral("org.re6st.Enrollment1.xml")), enrollment);
        QCOMPARE(fileEnrollment.members.size(), 4);
        QCOMPARE(liveEnrollment.members, fileEnrollment.members);
        for (const QString &member : fileEnrollment.members)
            QVERIFY2(!fileEnrollment.docs.value(member.section(u' ', 1, 1)).isEmpty(), qPrintable(member));
    }

    // No polkit on this bus: every mutating call is refused and the controller never runs.
    void actionsRefusedWithoutPolkit_data()
    {
        QTest::addColumn<QString>("interface");
        QTest::addColumn<QString>("method");
        QTest::addColumn<QVariantList>("args");
        const QString e = QString::fromLatin1(DBusService::kEnrollmentInterface);
        const QString fp = QStringLiteral("sha256:") + QString(64, u'0'); // well formed: checked before polkit
        QTest::newRow("Start") << kIface << QStringLiteral("Start") << QVariantList{};
        QTest::newRow("Stop") << kIface << QStringLiteral("Stop") << QVariantList{};
        QTest::newRow("ReloadConfig") << kIface << QStringLiteral("ReloadConfig") << QVariantList{};
        QTest::newRow("KillTunnel") << kIface << QStringLiteral("KillTunnel") << QVariantList{QStringLiteral("re6stnet1")};
        QTest::newRow("AddNeighbour") << kIface << QStringLiteral("AddNeighbour") << QVariantList{QStringLiteral("2/16")};
        QTest::newRow("RemoveNeighbour") << kIface << QStringLiteral("RemoveNeighbour") << QVariantList{QStringLiteral("2/16")};
        QTest::newRow("RequestToken") << e << QStringLiteral("RequestToken")
                                      << QVariantList{QStringLiteral("http://10.42.0.1/"), fp,
                                                      QStringLiteral("a@example.com")};
        QTest::newRow("Enroll") << e << QStringLiteral("Enroll")
                                << QVariantList{QStringLiteral("http://10.42.0.1/"), fp,
                                                QStringLiteral("token"), QVariantMap{}};
    }
    void actionsRefusedWithoutPolkit()
    {
        QFETCH(QString, interface);
        QFETCH(QString, method);
        QFETCH(QVariantList, args);
        refusedWithoutControllerCall(interface, method, args, re6st::daemon::dbuserror::NotAuthorized,
                                     QStringLiteral("polkit"));
    }

    void fetchCaIsOpenToEveryone()
    {
        m_service->setController(&m_controller);
        m_controller.calls.clear();
        const QDBusMessage reply = call(QString::fromLatin1(DBusService::kEnrollmentInterface), QStringLiteral("FetchCa"),
                                        {QStringLiteral("http://10.42.0.1/")});
        QCOMPARE(reply.type(), QDBusMessage::ReplyMessage);
        QCOMPARE(reply.arguments().value(0).toString(), QStringLiteral("sha256:ab"));
        QCOMPARE(qdbus_cast<QVariantMap>(reply.arguments().value(1)).value(QStringLiteral("network")).toString(),
                 QStringLiteral("2001:db8:42::/48"));
        QCOMPARE(m_controller.calls, QStringList{QStringLiteral("fetchCa http://10.42.0.1/")});
    }

    void badArgumentsAreRejectedBeforePolkit()
    {
        m_service->setController(&m_controller);
        m_controller.calls.clear();
        const QDBusMessage empty = call(kIface, QStringLiteral("KillTunnel"), {QString()});
        QCOMPARE(empty.errorName(), QString::fromLatin1(re6st::daemon::dbuserror::InvalidArgument));
        const QDBusMessage huge = call(kIface, QStringLiteral("AddNeighbour"), {QString(100000, u'1')});
        QCOMPARE(huge.errorName(), QString::fromLatin1(re6st::daemon::dbuserror::InvalidArgument));
        const QDBusMessage hugeCa = call(QString::fromLatin1(DBusService::kEnrollmentInterface), QStringLiteral("FetchCa"),
                                         {QString(100000, u'x')});
        QCOMPARE(hugeCa.errorName(), QString::fromLatin1(re6st::daemon::dbuserror::InvalidArgument));
        const QDBusMessage wrongType = call(kIface, QStringLiteral("KillTunnel"), {42});
        QCOMPARE(wrongType.errorName(), QStringLiteral("org.freedesktop.DBus.Error.UnknownMethod"));
        QVERIFY(m_controller.calls.isEmpty());
    }

    // Audit L1/L2: malformed arguments get InvalidArgument before the polkit prompt (no
    // polkit on this bus: a check after it would answer NotAuthorized), and a too long
    // one is named.
    void enrollmentArgumentsAreCheckedBeforePolkit_data()
    {
        QTest::addColumn<QString>("interface");
        QTest::addColumn<QString>("method");
        QTest::addColumn<QVariantList>("args");
        QTest::addColumn<QString>("says");
        const QString e = QString::fromLatin1(DBusService::kEnrollmentInterface);
        const QString url = QStringLiteral("http://10.42.0.1/");
        const QString fp = QStringLiteral("sha256:") + QString(64, u'0');
        const QString mail = QStringLiteral("a@example.com");
        const QString token = QStringLiteral("token");
        const QString rt = QStringLiteral("RequestToken"), en = QStringLiteral("Enroll");
        QTest::newRow("bad URL") << e << rt << QVariantList{QStringLiteral("re6st.example.com"), fp, mail}
                                 << QStringLiteral("registry URL");
        QTest::newRow("bad fingerprint") << e << rt << QVariantList{url, QStringLiteral("sha256:00"), mail}
                                         << QStringLiteral("bad fingerprint");
        QTest::newRow("no fingerprint") << e << en << QVariantList{url, QString(), token, QVariantMap{}}
                                        << QStringLiteral("fingerprint is required");
        QTest::newRow("bad email") << e << rt << QVariantList{url, fp, QStringLiteral("me@example..com")}
                                   << QStringLiteral("email address");
        QTest::newRow("long email") << e << rt << QVariantList{url, fp, QString(3000, u'a')}
                                    << QStringLiteral("the email address is longer than 2048");
        QTest::newRow("long token") << e << en << QVariantList{url, fp, QString(3000, u'a'), QVariantMap{}}
                                    << QStringLiteral("the token is longer than 2048");
        QTest::newRow("long fingerprint") << e << en << QVariantList{url, QString(3000, u'a'), token, QVariantMap{}}
                                          << QStringLiteral("the fingerprint is longer than 2048");
        QTest::newRow("option type") << e << en
                                     << QVariantList{url, fp, token, QVariantMap{{QStringLiteral("replace"), 1}}}
                                     << QStringLiteral("wrong type");
        QTest::newRow("unknown option") << e << en
                                        << QVariantList{url, fp, token, QVariantMap{{QStringLiteral("colour"), true}}}
                                        << QStringLiteral("unknown option");
        QTest::newRow("location") << e << en
                                  << QVariantList{url, fp, token, QVariantMap{{QStringLiteral("location"), QString(3000, u'F')}}}
                                  << QStringLiteral("CC,CONT");
        QTest::newRow("token and anonymous") << e << en
                                             << QVariantList{url, fp, token, QVariantMap{{QStringLiteral("anonymous"), true}}}
                                             << QStringLiteral("exclude each other");
        QTest::newRow("AddNeighbour") << kIface << QStringLiteral("AddNeighbour") << QVariantList{QStringLiteral("nonsense")}
                                      << QStringLiteral("CN form");
        QTest::newRow("RemoveNeighbour") << kIface << QStringLiteral("RemoveNeighbour") << QVariantList{QStringLiteral("1/200")}
                                         << QStringLiteral("CN form");
    }
    void enrollmentArgumentsAreCheckedBeforePolkit()
    {
        QFETCH(QString, interface);
        QFETCH(QString, method);
        QFETCH(QVariantList, args);
        QFETCH(QString, says);
        refusedWithoutControllerCall(interface, method, args, re6st::daemon::dbuserror::InvalidArgument, says);
    }

    void busPolicyLetsOnlyRootOwnButAnyoneRead()
    {
        if (::geteuid() != 0)
            QSKIP("needs root to run dbus-send as another user");
        if (QStandardPaths::findExecutable(QStringLiteral("setpriv")).isEmpty()
            || QStandardPaths::findExecutable(QStringLiteral("dbus-send")).isEmpty())
            QSKIP("setpriv (util-linux) or dbus-send (dbus-bin) missing");
        // Let user nobody reach the socket in our temporary directory.
        QVERIFY(QFile::setPermissions(m_bus.dir(), QFile::permissions(m_bus.dir()) | QFile::ReadOther
                                                       | QFile::ExeOther | QFile::ReadGroup | QFile::ExeGroup));
        const auto own = dbusSendAsNobody({QStringLiteral("--dest=org.freedesktop.DBus"), QStringLiteral("/org/freedesktop/DBus"),
                                           QStringLiteral("org.freedesktop.DBus.RequestName"),
                                           QStringLiteral("string:org.re6st.Node"), QStringLiteral("uint32:4")});
        QVERIFY2(own.first != 0 && own.second.contains(QLatin1String("AccessDenied")), qPrintable(own.second));

        const auto read = dbusSendAsNobody({QStringLiteral("--dest=org.re6st.Node"), kPath, kProps + QStringLiteral(".Get"),
                                            QStringLiteral("string:") + kIface, QStringLiteral("string:State")});
        QVERIFY2(read.first == 0 && read.second.contains(QLatin1String("\"connecting\"")), qPrintable(read.second));

        const auto peers = dbusSendAsNobody({QStringLiteral("--dest=org.re6st.Node"), kPath, kIface + QStringLiteral(".Peers")});
        QVERIFY2(peers.first == 0 && peers.second.contains(QLatin1String("2001:db8:42:2::1")), qPrintable(peers.second));
    }

    void propertiesHaveContractTypes()
    {
        const QDBusMessage reply = call(kProps, QStringLiteral("GetAll"), {kIface});
        QCOMPARE(reply.type(), QDBusMessage::ReplyMessage);
        const QVariantMap all = qdbus_cast<QVariantMap>(reply.arguments().value(0));
        const Contract file = parseInterface(contractXml());
        QCOMPARE(QStringList(all.keys()), QStringList(file.propertyTypes.keys()));
        for (auto it = file.propertyTypes.cbegin(); it != file.propertyTypes.cend(); ++it)
            QVERIFY2(all.value(it.key()).metaType() == typeOf(it.value()),
                     qPrintable(it.key() + QStringLiteral(" is ") + QString::fromLatin1(all.value(it.key()).typeName())));
        QCOMPARE(all.value(QStringLiteral("State")).toString(), QStringLiteral("connecting"));
        QCOMPARE(all.value(QStringLiteral("Prefix")).toString(), QStringLiteral("1/16"));
        QCOMPARE(all.value(QStringLiteral("CertificateNotAfter")).toLongLong(), 4102444800LL);
        QCOMPARE(all.value(QStringLiteral("ProtocolVersion")).toUInt(), 10u);

        const QDBusMessage one = call(kProps, QStringLiteral("Get"), {kIface, QStringLiteral("Registry")});
        QCOMPARE(one.type(), QDBusMessage::ReplyMessage);
        QCOMPARE(one.arguments().value(0).value<QDBusVariant>().variant().toString(), QStringLiteral("http://10.42.0.1/"));
    }

    void recordsHaveDocumentedKeys_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("count");
        QTest::newRow("Peers") << QStringLiteral("Peers") << 2;
        QTest::newRow("Tunnels") << QStringLiteral("Tunnels") << 1;
        QTest::newRow("Routes") << QStringLiteral("Routes") << 1;
        QTest::newRow("Neighbours") << QStringLiteral("Neighbours") << 1;
    }
    void recordsHaveDocumentedKeys()
    {
        QFETCH(QString, method);
        QFETCH(int, count);
        const QMap<QString, QString> keys = documentedKeys(parseInterface(contractXml()).docs.value(method));
        QVERIFY2(keys.size() >= 5, qPrintable(method + QStringLiteral(": keys not documented")));
        const QDBusMessage reply = call(kIface, method);
        QCOMPARE(reply.type(), QDBusMessage::ReplyMessage);
        QCOMPARE(reply.signature(), QStringLiteral("aa{sv}"));
        const auto records = qdbus_cast<QList<QVariantMap>>(reply.arguments().value(0));
        QCOMPARE(records.size(), count);
        for (const QVariantMap &record : records) {
            QCOMPARE(QStringList(record.keys()), QStringList(keys.keys()));
            for (auto it = keys.cbegin(); it != keys.cend(); ++it)
                QVERIFY2(record.value(it.key()).metaType() == typeOf(it.value()),
                         qPrintable(it.key() + QStringLiteral(" is ") + QString::fromLatin1(record.value(it.key()).typeName())));
        }
        if (method == QLatin1String("Tunnels")) {
            QCOMPARE(records[0].value(QStringLiteral("rx_bytes")).toULongLong(), Q_UINT64_C(5000000000));
            QCOMPARE(records[0].value(QStringLiteral("direction")).toString(), QStringLiteral("client"));
        }
        if (method == QLatin1String("Neighbours"))
            QCOMPARE(records[0].value(QStringLiteral("reach")).toUInt(), 0xfff0u);
    }

    void propertiesChangedCarriesOnlyChanges()
    {
        PropertiesChangedSink sink;
        QSignalSpy spy(&sink, &PropertiesChangedSink::received);
        QVERIFY(client().connect(m_dest, kPath, kProps, QStringLiteral("PropertiesChanged"), &sink,
                                 SLOT(onChanged(QString, QVariantMap, QStringList))));
        m_fake.state = NodeStatus::State::Connected;
        m_fake.peerCount = 3;
        m_service->refresh();
        QVERIFY(spy.wait(10000));
        QCOMPARE(sink.interfaces.value(0), kIface);
        QCOMPARE(QStringList(sink.changes.value(0).keys()), (QStringList{QStringLiteral("PeerCount"), QStringLiteral("State")}));
        QCOMPARE(sink.changes.value(0).value(QStringLiteral("State")).toString(), QStringLiteral("connected"));
        QCOMPARE(sink.changes.value(0).value(QStringLiteral("PeerCount")).metaType(), QMetaType::fromType<uint>());
        QVERIFY(sink.invalidated.value(0).isEmpty());

        // A refresh with nothing new sends nothing: the next signal holds only Version.
        m_service->refresh();
        m_fake.version = QStringLiteral("0.1.1");
        m_service->refresh();
        QVERIFY(spy.wait(10000));
        QCOMPARE(sink.changes.size(), 2);
        QCOMPARE(QStringList(sink.changes.value(1).keys()), QStringList{QStringLiteral("Version")});
        // The new value is what Get returns now.
        const QDBusMessage one = call(kProps, QStringLiteral("Get"), {kIface, QStringLiteral("State")});
        QCOMPARE(one.arguments().value(0).value<QDBusVariant>().variant().toString(), QStringLiteral("connected"));
    }

    void listSignalsFollowTheirLists()
    {
        SignalCounter tunnels, peerSig, routes;
        QVERIFY(client().connect(m_dest, kPath, kIface, QStringLiteral("TunnelsChanged"), &tunnels, SLOT(hit())));
        QVERIFY(client().connect(m_dest, kPath, kIface, QStringLiteral("PeersChanged"), &peerSig, SLOT(hit())));
        QVERIFY(client().connect(m_dest, kPath, kIface, QStringLiteral("RoutesChanged"), &routes, SLOT(hit())));
        QSignalSpy tunnelSpy(&tunnels, &SignalCounter::hitSignal);
        QSignalSpy routeSpy(&routes, &SignalCounter::hitSignal);

        m_fake.tunnels.append(NodeStatus::tunnelRecord(QStringLiteral("re6stnet1"), QStringLiteral("3/16"),
                                                       QStringLiteral("tcp6"), false, 1700000200, 0, 0));
        m_fake.tunnelCount = 2;
        m_service->refresh();
        QVERIFY(tunnelSpy.wait(10000));
        QCOMPARE(tunnelSpy.count(), 1);
        QCOMPARE(peerSig.hits, 0); // PeersChanged would have been sent before TunnelsChanged
        const QDBusMessage reply = call(kIface, QStringLiteral("Tunnels"));
        QCOMPARE(qdbus_cast<QList<QVariantMap>>(reply.arguments().value(0)).size(), 2);

        // babeld gone: RoutesChanged, and Routes() answers a clear error.
        m_fake.babelReachable = false;
        m_service->refresh();
        QVERIFY(routeSpy.wait(10000));
        const QDBusMessage error = call(kIface, QStringLiteral("Routes"));
        QCOMPARE(error.type(), QDBusMessage::ErrorMessage);
        QCOMPARE(error.errorName(), QString::fromLatin1(DBusService::kErrorBabelUnavailable));
        QVERIFY2(error.errorMessage().contains(QLatin1String("babeld")), qPrintable(error.errorMessage()));
        QCOMPARE(tunnelSpy.count(), 1);
        m_fake.babelReachable = true;
        m_service->refresh();
        QTRY_COMPARE_WITH_TIMEOUT(routeSpy.count(), 2, 10000);
    }

    void badCallsGetStandardErrors()
    {
        const QDBusMessage method = call(kIface, QStringLiteral("Reboot"));
        QCOMPARE(method.type(), QDBusMessage::ErrorMessage);
        QCOMPARE(method.errorName(), QStringLiteral("org.freedesktop.DBus.Error.UnknownMethod"));
        QVERIFY(!method.errorMessage().isEmpty());

        const QDBusMessage iface = call(QStringLiteral("org.re6st.NoSuchInterface"), QStringLiteral("Peers"));
        QCOMPARE(iface.type(), QDBusMessage::ErrorMessage);
        QCOMPARE(iface.errorName(), QStringLiteral("org.freedesktop.DBus.Error.UnknownInterface"));

        const QDBusMessage prop = call(kProps, QStringLiteral("Get"), {kIface, QStringLiteral("Password")});
        QCOMPARE(prop.type(), QDBusMessage::ErrorMessage);
        QCOMPARE(prop.errorName(), QStringLiteral("org.freedesktop.DBus.Error.UnknownProperty"));

        const QDBusMessage set = call(kProps, QStringLiteral("Set"),
                                      {kIface, QStringLiteral("State"), QVariant::fromValue(QDBusVariant(QStringLiteral("connected")))});
        QCOMPARE(set.type(), QDBusMessage::ErrorMessage);
        QCOMPARE(set.errorName(), QStringLiteral("org.freedesktop.DBus.Error.PropertyReadOnly"));
    }

    void noProviderAnswersUnavailable()
    {
        QVERIFY(QDBusConnection::connectToBus(m_bus.address(), QStringLiteral("empty")).isConnected());
        {
            DBusService empty(QDBusConnection(QStringLiteral("empty")), {});
            QString error;
            QVERIFY2(empty.start(&error, false), qPrintable(error));
            QDBusMessage m = QDBusMessage::createMethodCall(QDBusConnection(QStringLiteral("empty")).baseService(),
                                                            kPath, kIface, QStringLiteral("Peers"));
            const QDBusMessage reply = client().call(m, QDBus::BlockWithGui, 10000);
            QCOMPARE(reply.type(), QDBusMessage::ErrorMessage);
            QCOMPARE(reply.errorName(), QString::fromLatin1(DBusService::kErrorUnavailable));
            QVERIFY2(reply.errorMessage().contains(QLatin1String("retry")), qPrintable(reply.errorMessage()));
        }
        QDBusConnection::disconnectFromBus(QStringLiteral("empty"));
    }

    void systemBusMissingFailsCleanly()
    {
        const QByteArray saved = qgetenv("DBUS_SYSTEM_BUS_ADDRESS");
        const QString dead = m_bus.dir() + QStringLiteral("/no-such-bus");
        qputenv("DBUS_SYSTEM_BUS_ADDRESS", QStringLiteral("unix:path=%1").arg(dead).toUtf8());
        QString error;
        QElapsedTimer timer;
        timer.start();
        auto service = DBusService::registerOnSystemBus([] { return NodeStatus(); }, &error);
        QVERIFY(!service);
        QVERIFY2(timer.elapsed() < 10000, "gave up slowly");
        QVERIFY2(error.contains(dead) && error.contains(QLatin1String("system bus")), qPrintable(error));
        qputenv("DBUS_SYSTEM_BUS_ADDRESS", saved);
    }

    void systemBusSecondInstanceRefused()
    {
        if (::geteuid() != 0)
            QSKIP("the first instance could not own org.re6st.Node (not root)");
        const QByteArray saved = qgetenv("DBUS_SYSTEM_BUS_ADDRESS");
        qputenv("DBUS_SYSTEM_BUS_ADDRESS", m_bus.address().toUtf8());
        QString error;
        QVERIFY(!DBusService::registerOnSystemBus([] { return NodeStatus(); }, &error));
        QVERIFY2(error.contains(QLatin1String("another re6stnet")), qPrintable(error));

        // Once the first one is gone, the name is free for the system-bus helper.
        m_service.reset();
        auto service = DBusService::registerOnSystemBus([this] { return m_fake; }, &error);
        QVERIFY2(service, qPrintable(error));
        QDBusConnectionInterface *bus = client().interface();
        QTRY_VERIFY_WITH_TIMEOUT(bus->isServiceRegistered(QString::fromLatin1(DBusService::kServiceName)).value(), 10000);
        QCOMPARE(bus->serviceUid(QString::fromLatin1(DBusService::kServiceName)).value(), 0u);
        const QDBusMessage reply = call(kProps, QStringLiteral("Get"), {kIface, QStringLiteral("Version")});
        QCOMPARE(reply.arguments().value(0).value<QDBusVariant>().variant().toString(), m_fake.version);
        qputenv("DBUS_SYSTEM_BUS_ADDRESS", saved);
    }
};

QTEST_GUILESS_MAIN(TestDBusService)
#include "tst_dbusservice.moc"
