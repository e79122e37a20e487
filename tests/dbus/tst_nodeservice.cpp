// SPDX-License-Identifier: GPL-2.0-or-later
// The real re6stnet on a private system bus with the real polkitd, a real registry and
// a real SMTP server (issue 4 §5): enrollment over D-Bus from nothing to a running node,
// bad enrollment input changes nothing, and polkit decides on the *caller* of every
// action (an unprivileged user is denied, a group allowed by a rule and root succeed).
// Everything runs inside a network namespace of its own (the test re-executes itself
// under `unshare --net`), so the node only touches addresses of that namespace.
#include "../e2e/E2eSupport.h"
#include "PolkitFixture.h"
#include "TestUser.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusVariant>
#include <QSignalSpy>
#include <QtTest>
#include <unistd.h>

using namespace re6st::e2e;
using re6st::test::PolkitFixture;
using re6st::test::PrivateBus;
using re6st::test::ProcessResult;
using re6st::test::TestGroup;
using re6st::test::TestUser;

namespace {
const QString kService = QStringLiteral("org.re6st.Node");
const QString kPath = QStringLiteral("/org/re6st/Node");
const QString kNode = QStringLiteral("org.re6st.Node1");
const QString kEnroll = QStringLiteral("org.re6st.Enrollment1");
const QString kConn = QStringLiteral("nodeservice-test");
} // namespace

// Collects org.re6st.Enrollment1.Progress steps.
class ProgressSink final : public QObject
{
    Q_OBJECT
public:
    QStringList steps;
public Q_SLOTS:
    void onProgress(const QString &step, const QString &) { steps << step; }
};

class TestNodeService final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_tmp;
    PrivateBus m_bus;
    PolkitFixture m_polkit;
    TestGroup m_admins;
    TestUser m_alice, m_bob; // alice: nobody special; bob: in the group a rule allows
    SmtpSink m_smtp;
    RegistryProcess m_registry;
    ProcessGuard m_node;
    QString m_fingerprint;
    quint16 m_metricsPort = 0;

    QDBusConnection bus() const { return QDBusConnection(kConn); }
    QString etc() const { return m_tmp.filePath(QStringLiteral("etc")); }
    QMap<QString, QString> env() const { return {{QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"), m_bus.address()}}; }
    static QString bin(const char *name) { return binDir() + u'/' + QLatin1String(name); }
    // re6stctl as the test users run it: a copy they can reach even when the build
    // tree is under a private home directory.
    QString ctl() const { return m_tmp.filePath(QStringLiteral("re6stctl")); }

    QDBusMessage call(const QString &iface, const QString &method, const QVariantList &args = {}, int timeoutMs = 120000)
    {
        QDBusMessage m = QDBusMessage::createMethodCall(kService, kPath, iface, method);
        m.setArguments(args);
        return bus().call(m, QDBus::BlockWithGui, timeoutMs);
    }
    QVariant property(const QString &name)
    {
        const QDBusMessage r = call(QStringLiteral("org.freedesktop.DBus.Properties"), QStringLiteral("Get"), {kNode, name}, 10000);
        return r.arguments().value(0).value<QDBusVariant>().variant();
    }
    bool serviceUp() { return bus().interface()->isServiceRegistered(kService).value(); }
    QString nodeLog() const { return QString::fromUtf8(readAll(m_tmp.filePath(QStringLiteral("log/re6stnet.log"))).right(3000)); }
    QString caFingerprint() const
    {
        const auto ca = re6st::crypto::Certificate::fromPem(readAll(m_tmp.filePath(QStringLiteral("registry/ca.crt"))));
        return ca ? QStringLiteral("sha256:") + QString::fromLatin1(ca->fingerprint("sha256")->toHex()) : QString();
    }
    bool noCertificateFiles() const
    {
        for (const char *f : {"ca.crt", "cert.crt", "cert.key", "re6stnet.conf"})
            if (QFile::exists(QDir(etc()).filePath(QLatin1String(f)))) return false;
        return true;
    }

    bool startNode(QString *error)
    {
        m_node.reset();
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"), m_bus.address());
        m_node->setProcessEnvironment(e);
        m_node->setProcessChannelMode(QProcess::MergedChannels);
        m_node->setStandardOutputFile(m_tmp.filePath(QStringLiteral("node.out")), QIODevice::Append);
        m_node->start(bin("re6stnet"), {QStringLiteral("--dbus-service"), QStringLiteral("--config-dir"), etc(),
                                        QStringLiteral("-l"), m_tmp.filePath(QStringLiteral("log")),
                                        QStringLiteral("-r"), m_tmp.filePath(QStringLiteral("run")),
                                        QStringLiteral("-s"), m_tmp.filePath(QStringLiteral("state")),
                                        QStringLiteral("-v"), QStringLiteral("3"),
                                        QStringLiteral("--metrics"), QStringLiteral("127.0.0.1:%1").arg(m_metricsPort)});
        if (!m_node->waitForStarted(10000)) {
            *error = m_node->errorString();
            return false;
        }
        if (!waitFor([this] { return serviceUp() || !m_node.isRunning(); }, 30000) || !serviceUp()) {
            *error = QStringLiteral("re6stnet did not appear on the bus: ") + nodeLog();
            return false;
        }
        return true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (const QString why = PolkitFixture::skipReason(); !why.isEmpty()) QSKIP(qPrintable(why));
        if (const QString why = TestUser::skipReason(); !why.isEmpty()) QSKIP(qPrintable(why));
        QVERIFY(qEnvironmentVariableIsSet("RE6ST_IN_NETNS"));
        QCOMPARE(QProcess::execute(QStringLiteral("ip"), {QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"), QStringLiteral("up")}), 0);
        QVERIFY(m_tmp.isValid());
        // Users must reach the bus socket and run our binaries (not under a 0700 dir).
        QFile::setPermissions(m_tmp.path(), QFile::permissions(m_tmp.path()) | QFile::ExeOther | QFile::ReadOther);
        QVERIFY(QFile::copy(bin("re6stctl"), ctl()));
        QString error;
        QVERIFY2(m_bus.start({sourceDir() + QStringLiteral("/dbus/org.re6st.Node.conf")}, &error), qPrintable(error));
        QVERIFY2(m_admins.create(&error) && m_alice.create(&error) && m_bob.create(&error, {m_admins.name()}),
                 qPrintable(error));
        PolkitFixture::Config config;
        config.rules[QStringLiteral("50-test.rules")] =
            QStringLiteral("polkit.addRule(function(a, s) { return a.id.indexOf(\"org.re6st.\") == 0 && "
                           "s.isInGroup(\"%1\") ? polkit.Result.YES : polkit.Result.NOT_HANDLED; });")
                .arg(m_admins.name()).toUtf8();
        QVERIFY2(m_polkit.start(m_bus, config, &error), qPrintable(error));
        QVERIFY(QDBusConnection::connectToBus(m_bus.address(), kConn).isConnected());

        const QString regDir = m_tmp.filePath(QStringLiteral("registry"));
        QVERIFY(QDir().mkpath(regDir) && installVectorCa(regDir));
        QVERIFY2(m_smtp.start(m_tmp.filePath(QStringLiteral("smtp")), false, {}, {}, &error), qPrintable(error));
        QVERIFY2(m_registry.start(RegistryProcess::config(regDir, {QStringLiteral("--mailhost"),
                                                                   QStringLiteral("127.0.0.1:%1").arg(m_smtp.port()),
                                                                   QStringLiteral("--anonymous-prefix-length"), QStringLiteral("20")}),
                                  &error),
                 qPrintable(error));
        m_metricsPort = freePort();
        QVERIFY2(startNode(&error), qPrintable(error));
    }

    void cleanupTestCase()
    {
        m_node.stop(30000);
        m_registry.stop();
        m_smtp.stop();
        QDBusConnection::disconnectFromBus(kConn);
    }

    void startsNotEnrolled()
    {
        QCOMPARE(property(QStringLiteral("Enrolled")).toBool(), false);
        QCOMPARE(property(QStringLiteral("State")).toString(), QStringLiteral("stopped"));
        QCOMPARE(property(QStringLiteral("ConfigDirectory")).toString(), etc());
        const QDBusMessage start = call(kNode, QStringLiteral("Start"));
        QCOMPARE(start.errorName(), QStringLiteral("org.re6st.Error.NotEnrolled"));
    }

    // Reading is open to everyone; every action is refused to alice (the daemon runs as
    // root, so a check on the daemon itself would let her through).
    void unprivilegedCallerIsDeniedEveryAction()
    {
        const ProcessResult status = m_alice.run(ctl(), {QStringLiteral("status")}, env());
        QVERIFY2(status.exitCode == 0 && status.out.contains(QLatin1String("stopped")), qPrintable(status.describe()));
        const QList<QStringList> actions{
            {QStringLiteral("start")}, {QStringLiteral("stop")}, {QStringLiteral("reload")},
            {QStringLiteral("tunnel"), QStringLiteral("kill"), QStringLiteral("re6stnet1")},
            {QStringLiteral("neighbour"), QStringLiteral("add"), QStringLiteral("5/16")},
            {QStringLiteral("neighbour"), QStringLiteral("del"), QStringLiteral("5/16")},
            {QStringLiteral("enroll"), m_registry.url(), QStringLiteral("--anonymous"), QStringLiteral("--fingerprint"),
             caFingerprint()},
        };
        for (const QStringList &args : actions) {
            const ProcessResult r = m_alice.run(ctl(), args, env());
            QVERIFY2(r.finished && r.exitCode == 4 && r.err.contains(QLatin1String("polkit")),
                     qPrintable(args.join(u' ') + QStringLiteral(": ") + r.describe()));
        }
        // The same through dbus-send: the D-Bus error name itself.
        const ProcessResult raw = m_alice.run(re6st::test::findTool(QStringLiteral("dbus-send")),
                                              {QStringLiteral("--bus=") + m_bus.address(), QStringLiteral("--print-reply"),
                                               QStringLiteral("--dest=org.re6st.Node"), kPath, kNode + QStringLiteral(".AddNeighbour"),
                                               QStringLiteral("string:5/16")},
                                              env());
        QVERIFY2(raw.exitCode != 0 && raw.err.contains(QLatin1String("org.re6st.Error.NotAuthorized")), qPrintable(raw.describe()));
        QCOMPARE(property(QStringLiteral("Neighbours")).toStringList(), QStringList());
        QVERIFY(noCertificateFiles());
    }

    void groupAllowedByRuleAndRootSucceed()
    {
        const ProcessResult add = m_bob.run(ctl(), {QStringLiteral("neighbour"), QStringLiteral("add"), QStringLiteral("5/16")}, env());
        QVERIFY2(add.exitCode == 0, qPrintable(add.describe() + m_polkit.log()));
        QCOMPARE(property(QStringLiteral("Neighbours")).toStringList(), QStringList{QStringLiteral("5/16")});
        const QDBusMessage del = call(kNode, QStringLiteral("RemoveNeighbour"), {QStringLiteral("5/16")}); // root
        QVERIFY2(del.type() == QDBusMessage::ReplyMessage, qPrintable(del.errorMessage()));
        QCOMPARE(property(QStringLiteral("Neighbours")).toStringList(), QStringList());
        const QDBusMessage again = call(kNode, QStringLiteral("RemoveNeighbour"), {QStringLiteral("5/16")});
        QCOMPARE(again.errorName(), QStringLiteral("org.re6st.Error.NotFound"));
        const QDBusMessage bad = call(kNode, QStringLiteral("AddNeighbour"), {QStringLiteral("5/99x")});
        QCOMPARE(bad.errorName(), QStringLiteral("org.re6st.Error.InvalidArgument"));
    }

    void fetchCaShowsTheFingerprint()
    {
        const QDBusMessage r = call(kEnroll, QStringLiteral("FetchCa"), {m_registry.url()});
        QVERIFY2(r.type() == QDBusMessage::ReplyMessage, qPrintable(r.errorMessage()));
        m_fingerprint = r.arguments().value(0).toString();
        QCOMPARE(m_fingerprint, caFingerprint());
        const QVariantMap details = qdbus_cast<QVariantMap>(r.arguments().value(1));
        QCOMPARE(details.value(QStringLiteral("network")).toString(), QStringLiteral("2001:db8:42::/48"));
    }

    void badEnrollmentChangesNothing_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QVariantList>("args");
        QTest::addColumn<QString>("error");
        const QString fp = QStringLiteral("sha256:") + QString(64, u'0');
        QTest::newRow("not a URL") << QStringLiteral("FetchCa") << QVariantList{QStringLiteral("re6st.example.com")}
                                   << QStringLiteral("org.re6st.Error.InvalidArgument");
        QTest::newRow("nobody there") << QStringLiteral("FetchCa") << QVariantList{QStringLiteral("http://127.0.0.1:9/")}
                                      << QStringLiteral("org.re6st.Error.RegistryUnreachable");
        QTest::newRow("wrong fingerprint") << QStringLiteral("RequestToken")
                                           << QVariantList{QString(), fp, QStringLiteral("a@example.com")}
                                           << QStringLiteral("org.re6st.Error.FingerprintMismatch");
        QTest::newRow("bad email") << QStringLiteral("RequestToken") << QVariantList{QString(), QString(), QStringLiteral("nobody")}
                                   << QStringLiteral("org.re6st.Error.InvalidArgument");
        QTest::newRow("bad token") << QStringLiteral("Enroll")
                                   << QVariantList{QString(), QString(), QStringLiteral("notatoken"), QVariantMap{}}
                                   << QStringLiteral("org.re6st.Error.TokenRejected");
        QTest::newRow("wrong fingerprint enroll") << QStringLiteral("Enroll")
                                                  << QVariantList{QString(), fp, QString(), QVariantMap{{QStringLiteral("anonymous"), true}}}
                                                  << QStringLiteral("org.re6st.Error.FingerprintMismatch");
        QTest::newRow("unknown option") << QStringLiteral("Enroll")
                                        << QVariantList{QString(), QString(), QStringLiteral("t"), QVariantMap{{QStringLiteral("colour"), 1}}}
                                        << QStringLiteral("org.re6st.Error.InvalidArgument");
    }
    void badEnrollmentChangesNothing()
    {
        QFETCH(QString, method);
        QFETCH(QVariantList, args);
        QFETCH(QString, error);
        QVERIFY(!m_fingerprint.isEmpty());
        // Empty registry/fingerprint in the table mean "the real ones".
        if (method != QLatin1String("FetchCa")) {
            if (args[0].toString().isEmpty()) args[0] = m_registry.url();
            if (args[1].toString().isEmpty()) args[1] = m_fingerprint;
        }
        const QDBusMessage r = call(kEnroll, method, args);
        QCOMPARE(r.errorName(), error);
        QVERIFY2(!r.errorMessage().isEmpty(), "a clear message");
        QVERIFY(noCertificateFiles());
        QCOMPARE(property(QStringLiteral("Enrolled")).toBool(), false);
        QCOMPARE(property(QStringLiteral("State")).toString(), QStringLiteral("stopped"));
    }

    // Token by mail, then Enroll: the daemon writes /etc-like files and comes back as a node.
    void enrollsAndRunsTheNode()
    {
        const qsizetype mails = m_smtp.deliveries().size();
        const QDBusMessage token = call(kEnroll, QStringLiteral("RequestToken"),
                                        {m_registry.url(), m_fingerprint, QStringLiteral("laptop@example.com")});
        QVERIFY2(token.type() == QDBusMessage::ReplyMessage, qPrintable(token.errorMessage()));
        QVERIFY(waitFor([&] { return m_smtp.deliveries().size() > mails; }, 30000));
        const QString tokenText = tokenFromMail(m_smtp.deliveries().last().message);
        QVERIFY(!tokenText.isEmpty());

        ProgressSink progress;
        QVERIFY(bus().connect(kService, kPath, kEnroll, QStringLiteral("Progress"), &progress,
                              SLOT(onProgress(QString, QString))));
        const QDBusMessage r = call(kEnroll, QStringLiteral("Enroll"), {m_registry.url(), m_fingerprint, tokenText, QVariantMap{}});
        QVERIFY2(r.type() == QDBusMessage::ReplyMessage, qPrintable(r.errorMessage() + nodeLog()));
        const QVariantMap result = qdbus_cast<QVariantMap>(r.arguments().value(0));
        const QString prefix = result.value(QStringLiteral("prefix")).toString();
        QVERIFY2(prefix.endsWith(QLatin1String("/16")), qPrintable(prefix));
        QCOMPARE(result.value(QStringLiteral("directory")).toString(), etc());
        const qint64 notAfter = result.value(QStringLiteral("not_after")).toLongLong();
        QVERIFY(notAfter > QDateTime::currentSecsSinceEpoch());
        for (const char *f : {"ca.crt", "cert.crt", "cert.key", "re6stnet.conf"})
            QVERIFY2(QFile::exists(QDir(etc()).filePath(QLatin1String(f))), f);
        QCOMPARE(QFile::permissions(QDir(etc()).filePath(QStringLiteral("cert.key"))) & (QFile::ReadOther | QFile::ReadGroup),
                 QFile::Permissions());
        QVERIFY(QDir(etc()).entryList({QStringLiteral(".enroll-*")}, QDir::Dirs | QDir::Hidden).isEmpty());
        for (const char *step : {"fetching-ca", "generating-key", "requesting-certificate", "writing-files"})
            QVERIFY2(progress.steps.contains(QLatin1String(step)), qPrintable(progress.steps.join(u',')));

        // The daemon restarts itself on the new files (same PID) and runs the node.
        QVERIFY2(waitFor([&] { return serviceUp() && property(QStringLiteral("Prefix")).toString() == prefix
                                      && property(QStringLiteral("State")).toString() != QLatin1String("stopped"); },
                         60000),
                 qPrintable(nodeLog()));
        QVERIFY(m_node.isRunning());
        QCOMPARE(property(QStringLiteral("Enrolled")).toBool(), true);
        QCOMPARE(property(QStringLiteral("CertificateNotAfter")).toLongLong(), notAfter);
        QCOMPARE(property(QStringLiteral("Registry")).toString(), m_registry.url());
        QVERIFY2(waitFor([&] { return property(QStringLiteral("State")).toString() == QLatin1String("connecting"); }, 60000),
                 qPrintable(property(QStringLiteral("State")).toString() + nodeLog()));
        QVERIFY(property(QStringLiteral("NextRenewal")).toLongLong() > QDateTime::currentSecsSinceEpoch());
        QVERIFY(property(QStringLiteral("RegistryReachable")).toBool());
        QCOMPARE(property(QStringLiteral("Address")).toString(), result.value(QStringLiteral("address")).toString());

        const ProcessResult status = m_alice.run(ctl(), {QStringLiteral("status")}, env());
        QVERIFY2(status.exitCode == 0 && status.out.contains(prefix) && status.out.contains(QLatin1String("connecting")),
                 qPrintable(status.describe()));
    }

    void secondEnrollmentNeedsReplace()
    {
        const QDBusMessage r = call(kEnroll, QStringLiteral("Enroll"),
                                    {m_registry.url(), m_fingerprint, QString(), QVariantMap{{QStringLiteral("anonymous"), true}}});
        QCOMPARE(r.errorName(), QStringLiteral("org.re6st.Error.AlreadyEnrolled"));
        QVERIFY(QFile::exists(QDir(etc()).filePath(QStringLiteral("cert.crt"))));
    }

    // --metrics survives the restart after enrollment and shows the running node.
    void metricsDescribeTheNode()
    {
        const HttpReply r = httpGet(m_metricsPort, "/metrics", {}, 10000);
        QCOMPARE(r.status, 200);
        QVERIFY2(r.body.contains("\nre6st_node_up 1\n"), r.body.constData());
        QVERIFY2(r.body.contains("re6st_node_state{state=\"connecting\"} 1"), r.body.constData());
        QVERIFY2(r.body.contains("\nre6st_node_certificate_not_after_seconds "), r.body.constData());
        QVERIFY2(r.body.contains("\nre6st_node_registry_reachable 1\n"), r.body.constData());
        QCOMPARE(httpGet(m_metricsPort, "/other", {}, 10000).status, 404);
    }

    void stopAndStartAsGroupMember()
    {
        ProcessResult r = m_bob.run(ctl(), {QStringLiteral("stop")}, env());
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QCOMPARE(property(QStringLiteral("State")).toString(), QStringLiteral("stopped"));
        QVERIFY(m_node.isRunning());
        QVERIFY(!QFile::exists(m_tmp.filePath(QStringLiteral("run")))); // §2.6 cleanup done
        r = m_bob.run(ctl(), {QStringLiteral("start")}, env());
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(waitFor([&] { return property(QStringLiteral("State")).toString() == QLatin1String("connecting"); }, 60000),
                 qPrintable(nodeLog()));
    }
};

int main(int argc, char **argv)
{
    // Re-run inside a new network namespace: the node adds addresses and routes.
    if (::geteuid() == 0 && !qEnvironmentVariableIsSet("RE6ST_IN_NETNS")
        && !QStandardPaths::findExecutable(QStringLiteral("unshare")).isEmpty()) {
        setenv("RE6ST_IN_NETNS", "1", 1);
        std::vector<char *> args{const_cast<char *>("unshare"), const_cast<char *>("--net"), const_cast<char *>("--")};
        for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
        args.push_back(nullptr);
        execvp("unshare", args.data());
        perror("unshare");
        return 1;
    }
    QCoreApplication app(argc, argv);
    TestNodeService test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_nodeservice.moc"
