// SPDX-License-Identifier: GPL-2.0-or-later
// The real re6stnet on a private system bus with the real polkitd, a real registry and
// a real SMTP server (issue 4 §5): enrollment over D-Bus from nothing to a running node,
// bad enrollment input changes nothing, and polkit decides on the *caller* of every
// action (an unprivileged user is denied, a group allowed by a rule and root succeed).
// Everything runs inside a network namespace of its own (the test re-executes itself
// under `unshare --net`), so the node only touches addresses of that namespace.
#include "NodeServiceFixture.h"
#include "PolkitAgent.h"
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
using re6st::test::NodeServiceFixture;
using re6st::test::PolkitFixture;
using re6st::test::ProcessResult;
using re6st::test::TestGroup;
using re6st::test::TestUser;

namespace {
const QString kPath = NodeServiceFixture::kPath;
const QString kNode = NodeServiceFixture::kNode;
const QString kEnroll = QStringLiteral("org.re6st.Enrollment1");
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

    NodeServiceFixture m_fx{QStringLiteral("nodeservice-test")};
    TestGroup m_admins;
    TestUser m_alice, m_bob; // alice: nobody special; bob: in the group a rule allows
    TestUser m_carol;        // the administrator polkit asks for (a rule says so), with a password
    const QString m_carolPassword = QStringLiteral("re6st-%1-pw").arg(::getpid());
    QString m_fingerprint;
    quint16 m_metricsPort = 0;

    QDBusConnection bus() const { return m_fx.connection(); }
    QString etc() const { return m_fx.etc(); }
    QMap<QString, QString> env() const { return {{QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"), m_fx.bus.address()}}; }
    static QString bin(const char *name) { return NodeServiceFixture::bin(name); }
    // re6stctl as the test users run it: a copy they can reach even when the build
    // tree is under a private home directory.
    QString ctl() const { return m_fx.tmp.filePath(QStringLiteral("re6stctl")); }
    QDBusMessage call(const QString &iface, const QString &method, const QVariantList &args = {}, int timeoutMs = 120000)
    {
        return m_fx.call(iface, method, args, timeoutMs);
    }
    QVariant property(const QString &name) { return m_fx.property(name); }
    bool serviceUp() { return m_fx.serviceUp(); }
    QString nodeLog() const { return m_fx.nodeLog(); }
    QString caFingerprint() const { return m_fx.caFingerprint(); }
    bool noCertificateFiles() const
    {
        for (const char *f : {"ca.crt", "cert.crt", "cert.key", "re6stnet.conf"})
            if (QFile::exists(QDir(etc()).filePath(QLatin1String(f)))) return false;
        return true;
    }
    bool startNode(QString *error)
    {
        return m_fx.startNode(error, {QStringLiteral("--metrics"), QStringLiteral("127.0.0.1:%1").arg(m_metricsPort)});
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (const QString why = NodeServiceFixture::skipReason(); !why.isEmpty()) QSKIP(qPrintable(why));
        if (const QString why = TestUser::skipReason(); !why.isEmpty()) QSKIP(qPrintable(why));
        QVERIFY(m_fx.tmp.isValid());
        // Users must reach the bus socket and run our binaries (not under a 0700 dir).
        const QString tmp = m_fx.tmp.path();
        QFile::setPermissions(tmp, QFile::permissions(tmp) | QFile::ExeOther | QFile::ReadOther);
        QVERIFY(QFile::copy(bin("re6stctl"), ctl()));
        QString error;
        QVERIFY2(m_admins.create(&error) && m_alice.create(&error) && m_bob.create(&error, {m_admins.name()})
                     && m_carol.create(&error) && m_carol.setPassword(m_carolPassword, &error),
                 qPrintable(error));
        PolkitFixture::Config config;
        config.rules[QStringLiteral("50-test.rules")] =
            QStringLiteral("polkit.addRule(function(a, s) { return a.id.indexOf(\"org.re6st.\") == 0 && "
                           "s.isInGroup(\"%1\") ? polkit.Result.YES : polkit.Result.NOT_HANDLED; });\n"
                           "polkit.addAdminRule(function(a, s) { return [\"unix-user:%2\"]; });")
                .arg(m_admins.name(), m_carol.name()).toUtf8();
        QVERIFY2(m_fx.setUp(config, &error), qPrintable(error));
        m_metricsPort = freePort();
        QVERIFY2(startNode(&error), qPrintable(error));
    }

    void cleanupTestCase() { m_fx.tearDown(); }

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
            {QStringLiteral("enroll"), m_fx.registry.url(), QStringLiteral("--anonymous"), QStringLiteral("--fingerprint"),
             caFingerprint()},
        };
        for (const QStringList &args : actions) {
            const ProcessResult r = m_alice.run(ctl(), args, env());
            QVERIFY2(r.finished && r.exitCode == 4 && r.err.contains(QLatin1String("polkit")),
                     qPrintable(args.join(u' ') + QStringLiteral(": ") + r.describe()));
        }
        // The same through dbus-send: the D-Bus error name itself.
        const ProcessResult raw = m_alice.run(re6st::test::findTool(QStringLiteral("dbus-send")),
                                              {QStringLiteral("--bus=") + m_fx.bus.address(), QStringLiteral("--print-reply"),
                                               QStringLiteral("--dest=org.re6st.Node"), kPath, kNode + QStringLiteral(".AddNeighbour"),
                                               QStringLiteral("string:5/16")},
                                              env());
        QVERIFY2(raw.exitCode != 0 && raw.err.contains(QLatin1String("org.re6st.Error.NotAuthorized")), qPrintable(raw.describe()));
        QCOMPARE(property(QStringLiteral("Neighbours")).toStringList(), QStringList());
        QVERIFY(noCertificateFiles());
    }

    // With an authentication agent (pkttyagent: what a desktop session runs), alice is
    // asked for the administrator's password, through the real polkitd and PAM: a wrong
    // one refuses the action (exit 4, nothing changed), the right one lets it through.
    void agentAsksForTheAdministratorPassword()
    {
        if (const QString why = re6st::test::polkitAgentSkipReason(); !why.isEmpty()) QSKIP(qPrintable(why));
        const QStringList add{QStringLiteral("neighbour"), QStringLiteral("add"), QStringLiteral("5/16")};
        const QString socket = m_fx.bus.socketPath();
        const QString prompt = QStringLiteral("Authenticating as: ") + m_carol.name();

        const re6st::test::AgentRun wrong =
            re6st::test::runOnTerminal(m_alice, re6st::test::AgentFor::Command, socket, ctl(), add, env(), QStringLiteral("not-the-password"));
        QVERIFY2(wrong.prompted && wrong.result.finished && wrong.result.exitCode == 4,
                 qPrintable(wrong.result.describe() + m_fx.polkit.log()));
        QVERIFY2(wrong.result.out.contains(QLatin1String("AUTHENTICATING FOR org.re6st.node.configure"))
                     && wrong.result.out.contains(prompt) && wrong.result.out.contains(QLatin1String("AUTHENTICATION FAILED")),
                 qPrintable(wrong.result.out));
        QCOMPARE(property(QStringLiteral("Neighbours")).toStringList(), QStringList());

        const re6st::test::AgentRun right =
            re6st::test::runOnTerminal(m_alice, re6st::test::AgentFor::Command, socket, ctl(), add, env(), m_carolPassword);
        QVERIFY2(right.prompted && right.result.finished && right.result.exitCode == 0,
                 qPrintable(right.result.describe() + m_fx.polkit.log()));
        QVERIFY2(right.result.out.contains(prompt) && right.result.out.contains(QLatin1String("AUTHENTICATION COMPLETE")),
                 qPrintable(right.result.out));
        QCOMPARE(property(QStringLiteral("Neighbours")).toStringList(), QStringList{QStringLiteral("5/16")});
        const QDBusMessage del = call(kNode, QStringLiteral("RemoveNeighbour"), {QStringLiteral("5/16")}); // root
        QVERIFY2(del.type() == QDBusMessage::ReplyMessage, qPrintable(del.errorMessage()));
    }

    // Over SSH there is no desktop agent: re6stctl on a terminal starts pkttyagent for
    // itself and the password is asked there; --no-ask-password asks nothing and refuses.
    void re6stctlAsksOnItsTerminal()
    {
        if (const QString why = re6st::test::polkitAgentSkipReason(); !why.isEmpty()) QSKIP(qPrintable(why));
        const QString socket = m_fx.bus.socketPath();
        const QStringList add{QStringLiteral("neighbour"), QStringLiteral("add"), QStringLiteral("5/16")};

        const re6st::test::AgentRun asked =
            re6st::test::runOnTerminal(m_alice, re6st::test::AgentFor::Nobody, socket, ctl(), add, env(), m_carolPassword);
        QVERIFY2(asked.prompted && asked.result.finished && asked.result.exitCode == 0,
                 qPrintable(asked.result.describe() + m_fx.polkit.log()));
        QVERIFY2(asked.result.out.contains(QStringLiteral("Authenticating as: ") + m_carol.name()),
                 qPrintable(asked.result.out));
        QCOMPARE(property(QStringLiteral("Neighbours")).toStringList(), QStringList{QStringLiteral("5/16")});

        const re6st::test::AgentRun refused = re6st::test::runOnTerminal(
            m_alice, re6st::test::AgentFor::Nobody, socket, ctl(),
            {QStringLiteral("--no-ask-password"), QStringLiteral("neighbour"), QStringLiteral("del"), QStringLiteral("5/16")},
            env(), m_carolPassword);
        QVERIFY2(!refused.prompted && refused.result.finished && refused.result.exitCode == 4,
                 qPrintable(refused.result.describe()));
        QVERIFY2(refused.result.out.contains(QLatin1String("not allowed to remove a neighbour without a password")),
                 qPrintable(refused.result.out));
        QCOMPARE(property(QStringLiteral("Neighbours")).toStringList(), QStringList{QStringLiteral("5/16")});
        const QDBusMessage del = call(kNode, QStringLiteral("RemoveNeighbour"), {QStringLiteral("5/16")}); // root
        QVERIFY2(del.type() == QDBusMessage::ReplyMessage, qPrintable(del.errorMessage()));
    }

    void groupAllowedByRuleAndRootSucceed()
    {
        const ProcessResult add = m_bob.run(ctl(), {QStringLiteral("neighbour"), QStringLiteral("add"), QStringLiteral("5/16")}, env());
        QVERIFY2(add.exitCode == 0, qPrintable(add.describe() + m_fx.polkit.log()));
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
        const QDBusMessage r = call(kEnroll, QStringLiteral("FetchCa"), {m_fx.registry.url()});
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
            if (args[0].toString().isEmpty()) args[0] = m_fx.registry.url();
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
        const qsizetype mails = m_fx.smtp.deliveries().size();
        const QDBusMessage token = call(kEnroll, QStringLiteral("RequestToken"),
                                        {m_fx.registry.url(), m_fingerprint, QStringLiteral("laptop@example.com")});
        QVERIFY2(token.type() == QDBusMessage::ReplyMessage, qPrintable(token.errorMessage()));
        QVERIFY(waitFor([&] { return m_fx.smtp.deliveries().size() > mails; }, 30000));
        const QString tokenText = tokenFromMail(m_fx.smtp.deliveries().last().message);
        QVERIFY(!tokenText.isEmpty());

        ProgressSink progress;
        QVERIFY(bus().connect(NodeServiceFixture::kService, kPath, kEnroll, QStringLiteral("Progress"), &progress,
                              SLOT(onProgress(QString, QString))));
        const QDBusMessage r = call(kEnroll, QStringLiteral("Enroll"), {m_fx.registry.url(), m_fingerprint, tokenText, QVariantMap{}});
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
        QVERIFY(m_fx.node.isRunning());
        QCOMPARE(property(QStringLiteral("Enrolled")).toBool(), true);
        QCOMPARE(property(QStringLiteral("CertificateNotAfter")).toLongLong(), notAfter);
        QCOMPARE(property(QStringLiteral("Registry")).toString(), m_fx.registry.url());
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
                                    {m_fx.registry.url(), m_fingerprint, QString(), QVariantMap{{QStringLiteral("anonymous"), true}}});
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
        QVERIFY(m_fx.node.isRunning());
        QVERIFY(!QFile::exists(m_fx.tmp.filePath(QStringLiteral("run")))); // §2.6 cleanup done
        r = m_bob.run(ctl(), {QStringLiteral("start")}, env());
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(waitFor([&] { return property(QStringLiteral("State")).toString() == QLatin1String("connecting"); }, 60000),
                 qPrintable(nodeLog()));
    }
};

int main(int argc, char **argv)
{
    // Re-run inside a new network namespace: the node adds addresses and routes.
    if (const int failed = re6st::test::reexecInNetworkNamespace(argc, argv)) return failed;
    QCoreApplication app(argc, argv);
    TestNodeService test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_nodeservice.moc"
