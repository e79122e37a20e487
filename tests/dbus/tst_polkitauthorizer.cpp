// SPDX-License-Identifier: GPL-2.0-or-later
// PolkitAuthorizer against the real polkitd (tests/dbus/PolkitFixture.h) and against a
// scripted fake polkit; lint of polkit/org.re6st.policy and polkit/50-re6st-example.rules.
// Without root or polkitd the real-polkitd tests skip; the fake-polkit ones still run.
#include "../../daemon/PolkitAuthorizer.h"
#include "PolkitFixture.h"
#include "PrivateBus.h"
#include "TestUser.h"

#include <QDBusArgument>
#include <QDBusConnectionInterface>
#include <QDBusContext>
#include <QDBusMessage>
#include <QDBusVirtualObject>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QXmlStreamReader>
#include <QtTest>
#include <memory>
#include <unistd.h>

using re6st::daemon::PolkitAuthorizer;
using namespace re6st::test;

namespace {

const QString kProbeService = QStringLiteral("org.re6st.Test.Polkit");
const QString kProbePath = QStringLiteral("/org/re6st/Test");
const QString kProbeIface = QStringLiteral("org.re6st.Test.Auth");
const QString kErrNotAuthorized = QStringLiteral("org.re6st.Test.NotAuthorized");
const QString kErrUnavailable = QStringLiteral("org.re6st.Test.Unavailable");
const QString kPolkitService = QStringLiteral("org.freedesktop.PolicyKit1");
const QString kPolkitPath = QStringLiteral("/org/freedesktop/PolicyKit1/Authority");

QStringList mutatingActions()
{
    return {QLatin1String(PolkitAuthorizer::kActionStartStop), QLatin1String(PolkitAuthorizer::kActionConfigure),
            QLatin1String(PolkitAuthorizer::kActionManageTunnels), QLatin1String(PolkitAuthorizer::kActionEnroll),
            QLatin1String(PolkitAuthorizer::kActionFixNetwork)};
}

QString sourceFile(const QString &relative)
{
    return QDir(qEnvironmentVariable("RE6ST_SOURCE_DIR", QStringLiteral(RE6ST_SOURCE_DIR_FALLBACK))).filePath(relative);
}

// The rule of polkit/50-re6st-example.rules, uncommented, for `group` instead of "re6st".
QString exampleRule(const QString &group, QString *error)
{
    QFile file(sourceFile(QStringLiteral("polkit/50-re6st-example.rules")));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read ") + file.fileName();
        return {};
    }
    QStringList rule;
    bool inRule = false;
    for (const QString &line : QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'))) {
        if (line.startsWith(QLatin1String("// polkit.addRule(")))
            inRule = true;
        if (!inRule || line.trimmed().isEmpty())
            continue;
        if (!line.startsWith(QLatin1String("//"))) {
            *error = QStringLiteral("uncommented line in the example rule: ") + line;
            return {};
        }
        rule << line.mid(line.startsWith(QLatin1String("// ")) ? 3 : 2);
    }
    QString text = rule.join(QLatin1Char('\n')) + QLatin1Char('\n');
    if (text.count(QLatin1String("\"re6st\"")) != 1) {
        *error = QStringLiteral("the example rule should name the group \"re6st\" exactly once:\n") + text;
        return {};
    }
    return text.replace(QLatin1String("\"re6st\""), QLatin1Char('"') + group + QLatin1Char('"'));
}

// What re6stnet's DBusService does, minimal: a method whose reply waits for polkit's
// verdict on the caller. Runs in the (root) test process.
class AuthProbe final : public QObject, protected QDBusContext
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuthProbe)
    Q_CLASSINFO("D-Bus Interface", "org.re6st.Test.Auth")
public:
    explicit AuthProbe(PolkitAuthorizer &authorizer) : m_authorizer(authorizer) {}

    QList<PolkitAuthorizer::Result> results;
    QList<uint> callerUids; // uid of each caller, as the bus knows it
    int timeoutMs = 60000;

public Q_SLOTS:
    // Checks `action` for the caller of this method, as re6stnet does.
    QString Check(const QString &action) { return checkFor(message().service(), action); }
    // Control experiment, the mistake to avoid: checks the daemon's own bus name.
    QString CheckDaemonItself(const QString &action) { return checkFor(connection().baseService(), action); }

private:
    QString checkFor(const QString &subject, const QString &action)
    {
        setDelayedReply(true);
        const QDBusMessage call = message();
        QDBusConnection bus = connection();
        callerUids << bus.interface()->serviceUid(call.service()).value();
        m_authorizer.check(
            subject, action, call.isInteractiveAuthorizationAllowed(),
            [this, call, bus](const PolkitAuthorizer::Result &r) mutable {
                results << r;
                bus.send(r.verdict == PolkitAuthorizer::Verdict::Authorized
                             ? call.createReply(QStringLiteral("authorized"))
                             : call.createErrorReply(r.verdict == PolkitAuthorizer::Verdict::NotAuthorized
                                                         ? kErrNotAuthorized
                                                         : kErrUnavailable,
                                                     r.message));
            },
            timeoutMs);
        return {};
    }

    PolkitAuthorizer &m_authorizer;
};

// A scripted org.freedesktop.PolicyKit1.Authority: records calls, answers as told.
class FakeAuthority final : public QDBusVirtualObject
{
public:
    enum class Mode { Answer, Error, Malformed, Silent };
    Mode mode = Mode::Answer;
    bool authorized = false;
    bool challenge = false;
    QMap<QString, QString> details;
    QString errorName;
    QList<QDBusMessage> checks;
    QList<QDBusMessage> cancels;

    QString introspect(const QString &) const override { return {}; }
    bool handleMessage(const QDBusMessage &message, const QDBusConnection &connection) override
    {
        if (message.interface() != QLatin1String("org.freedesktop.PolicyKit1.Authority"))
            return false;
        if (message.member() == QLatin1String("CancelCheckAuthorization")) {
            cancels << message;
            connection.send(message.createReply());
            return true;
        }
        if (message.member() != QLatin1String("CheckAuthorization"))
            return false;
        checks << message;
        switch (mode) {
        case Mode::Answer: {
            QDBusArgument result;
            result.beginStructure();
            result << authorized << challenge;
            result.beginMap(QMetaType::fromType<QString>(), QMetaType::fromType<QString>());
            for (auto it = details.cbegin(); it != details.cend(); ++it) {
                result.beginMapEntry();
                result << it.key() << it.value();
                result.endMapEntry();
            }
            result.endMap();
            result.endStructure();
            connection.send(message.createReply(QVariant::fromValue(result)));
            break;
        }
        case Mode::Error:
            connection.send(message.createErrorReply(errorName, QStringLiteral("scripted failure")));
            break;
        case Mode::Malformed:
            connection.send(message.createReply(QVariant(true)));
            break;
        case Mode::Silent:
            break; // never answers
        }
        return true;
    }
};

struct Checked
{
    bool synchronous = false; // the callback ran inside check(): must never happen
    int calls = 0;
    PolkitAuthorizer::Result result;
};

} // namespace

// In a test function: skip without root/polkitd, fail when polkitd did not come up.
#define REQUIRE_REAL_POLKIT()                                                                                  \
    do {                                                                                                       \
        if (!m_realSkip.isEmpty())                                                                             \
            QSKIP(qPrintable(m_realSkip));                                                                     \
        if (!m_realError.isEmpty())                                                                            \
            QFAIL(qPrintable(m_realError));                                                                    \
    } while (false)

class TestPolkitAuthorizer final : public QObject
{
    Q_OBJECT

    // Fake polkit: always available with dbus-daemon.
    PrivateBus m_fakeBus;
    FakeAuthority m_fake;
    std::unique_ptr<PolkitAuthorizer> m_fakeAuthorizer;
    std::unique_ptr<AuthProbe> m_fakeProbe;

    // Real polkitd: needs root and polkitd.
    QString m_realSkip;
    QString m_realError;
    PrivateBus m_bus;
    PolkitFixture m_polkit;
    TestGroup m_group;
    TestUser m_stranger; // in no special group
    TestUser m_member;   // in m_group, granted by the example rule
    std::unique_ptr<PolkitAuthorizer> m_authorizer;
    std::unique_ptr<AuthProbe> m_probe;
    QString m_dbusSend;


    QStringList dbusSendArgs(const QString &method, const QString &action, const QString &address) const
    {
        return {QStringLiteral("--bus=") + address, QStringLiteral("--print-reply"),
                QStringLiteral("--reply-timeout=60000"), QStringLiteral("--dest=") + kProbeService,
                kProbePath, kProbeIface + QLatin1Char('.') + method, QStringLiteral("string:") + action};
    }

    QMap<QString, QString> busEnv() const
    {
        return {{QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"), m_bus.address()}};
    }

    // Check(action) on the probe of the fake bus, addressed by its connection's unique
    // name (no well-known name there).
    static QDBusMessage fakeProbeCheck(const QString &action)
    {
        QDBusMessage call = QDBusMessage::createMethodCall(QDBusConnection(QStringLiteral("fake-daemon")).baseService(),
                                                           kProbePath, kProbeIface, QStringLiteral("Check"));
        call << action;
        return call;
    }

    // Calls check() directly and waits for the callback.
    static Checked checkDirectly(PolkitAuthorizer &authorizer, const QString &caller, const QString &action,
                                 int timeoutMs = 60000, bool allowInteraction = true)
    {
        auto checked = std::make_shared<Checked>();
        authorizer.check(caller, action, allowInteraction, [checked](const PolkitAuthorizer::Result &r) {
            ++checked->calls;
            checked->result = r;
        }, timeoutMs);
        checked->synchronous = checked->calls != 0;
        QDeadlineTimer deadline(timeoutMs + 30000);
        while (checked->calls == 0 && !deadline.hasExpired())
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 100);
        QCoreApplication::processEvents(); // a second (wrong) callback would show up here
        return *checked;
    }

    void setupRealPolkit()
    {
        m_realSkip = PolkitFixture::skipReason();
        if (m_realSkip.isEmpty())
            m_realSkip = TestUser::skipReason();
        m_dbusSend = QStandardPaths::findExecutable(QStringLiteral("dbus-send"));
        if (m_realSkip.isEmpty() && m_dbusSend.isEmpty())
            m_realSkip = QStringLiteral("dbus-send not found: install Debian package dbus-bin");
        if (!m_realSkip.isEmpty())
            return;
        QString error;
        PolkitFixture::Config config;
        if (!m_bus.start({}, &error) || !m_group.create(&error) || !m_stranger.create(&error)
            || !m_member.create(&error, {m_group.name()})) {
            m_realError = error;
            return;
        }
        const QString rule = exampleRule(m_group.name(), &error);
        if (rule.isEmpty()) {
            m_realError = error;
            return;
        }
        config.policyFiles << sourceFile(QStringLiteral("polkit/org.re6st.policy"));
        config.rules.insert(QStringLiteral("50-re6st-example.rules"), rule.toUtf8());
        QElapsedTimer started;
        started.start();
        if (!m_polkit.start(m_bus, config, &error)) {
            m_realError = QStringLiteral("the real polkitd did not start: ") + error;
            return;
        }
        qInfo("polkitd (pid %lld) up in %lld ms on %s", m_polkit.polkitdPid(), started.elapsed(),
              qPrintable(m_bus.address()));
        QDBusConnection daemon = QDBusConnection::connectToBus(m_bus.address(), QStringLiteral("real-daemon"));
        m_authorizer = std::make_unique<PolkitAuthorizer>(daemon);
        m_probe = std::make_unique<AuthProbe>(*m_authorizer);
        if (!daemon.registerObject(kProbePath, m_probe.get(), QDBusConnection::ExportAllSlots)
            || !daemon.registerService(kProbeService))
            m_realError = QStringLiteral("cannot export the probe on the private bus: ") + daemon.lastError().message();
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (PrivateBus::daemonPath().isEmpty())
            QSKIP("dbus-daemon not installed (Debian package dbus-daemon)");
        QString error;
        QVERIFY2(m_fakeBus.start({}, &error), qPrintable(error));
        QDBusConnection polkit = QDBusConnection::connectToBus(m_fakeBus.address(), QStringLiteral("fake-polkit"));
        QVERIFY(polkit.registerVirtualObject(kPolkitPath, &m_fake));
        QVERIFY(polkit.registerService(kPolkitService));
        QDBusConnection daemon = QDBusConnection::connectToBus(m_fakeBus.address(), QStringLiteral("fake-daemon"));
        QVERIFY(daemon.isConnected());
        m_fakeAuthorizer = std::make_unique<PolkitAuthorizer>(daemon);
        m_fakeProbe = std::make_unique<AuthProbe>(*m_fakeAuthorizer);
        QVERIFY(daemon.registerObject(kProbePath, m_fakeProbe.get(), QDBusConnection::ExportAllSlots));
        QVERIFY(QDBusConnection::connectToBus(m_fakeBus.address(), QStringLiteral("fake-client")).isConnected());

        setupRealPolkit();
        if (!m_realSkip.isEmpty())
            qInfo("real polkitd tests will skip: %s", qPrintable(m_realSkip));
    }

    void init()
    {
        m_fake.mode = FakeAuthority::Mode::Answer;
        m_fake.authorized = false;
        m_fake.challenge = false;
        m_fake.details.clear();
        m_fake.checks.clear();
        m_fake.cancels.clear();
        m_fakeProbe->timeoutMs = 60000;
        m_fakeAuthorizer->setPendingLimits(PolkitAuthorizer::kMaxPendingPerCaller,
                                           PolkitAuthorizer::kMaxPendingTotal);
    }

    // ---- files -------------------------------------------------------------------------

    void policyFileIsValidAgainstTheDtd()
    {
        const QString xmllint = QStandardPaths::findExecutable(QStringLiteral("xmllint"));
        const QString dtd = QStringLiteral("/usr/share/polkit-1/policyconfig-1.dtd");
        if (xmllint.isEmpty() || !QFile::exists(dtd))
            QSKIP("xmllint (Debian package libxml2-utils) or polkit's DTD (package polkitd) missing");
        const ProcessResult r = runProcess(xmllint, {QStringLiteral("--noout"), QStringLiteral("--nonet"),
                                                     QStringLiteral("--dtdvalid"), dtd,
                                                     sourceFile(QStringLiteral("polkit/org.re6st.policy"))},
                                           {});
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(r.describe()));
    }

    void policyFileDeclaresTheActions()
    {
        QFile file(sourceFile(QStringLiteral("polkit/org.re6st.policy")));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        QXmlStreamReader xml(&file);
        QMap<QString, QMap<QString, QString>> defaults; // action -> allow_* -> value
        QMap<QString, int> texts;                       // action -> description + message count
        QString vendor, action;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            const QString name = xml.name().toString();
            if (name == QLatin1String("vendor") && action.isEmpty())
                vendor = xml.readElementText();
            else if (name == QLatin1String("action"))
                action = xml.attributes().value(QLatin1String("id")).toString();
            else if (name == QLatin1String("description") || name == QLatin1String("message"))
                texts[action] += xml.readElementText().trimmed().isEmpty() ? 0 : 1;
            else if (name.startsWith(QLatin1String("allow_")))
                defaults[action][name] = xml.readElementText().trimmed();
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(vendor, QStringLiteral("re6st-qt"));
        QStringList expected = mutatingActions() << QStringLiteral("org.re6st.node.read");
        expected.sort();
        QCOMPARE(QStringList(defaults.keys()), expected);
        const QStringList allows{QStringLiteral("allow_active"), QStringLiteral("allow_any"),
                                 QStringLiteral("allow_inactive")};
        for (const QString &id : expected) {
            QCOMPARE(texts.value(id), 2);
            QCOMPARE(QStringList(defaults[id].keys()), allows);
            const QString value = id == QLatin1String("org.re6st.node.read") ? QStringLiteral("yes")
                                                                               : QStringLiteral("auth_admin_keep");
            for (const QString &allow : allows)
                QVERIFY2(defaults[id][allow] == value, qPrintable(id + QLatin1Char(' ') + allow));
        }
    }

    void exampleRulesGrantTheMutatingActionsToAGroup()
    {
        QFile file(sourceFile(QStringLiteral("polkit/50-re6st-example.rules")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        // Inert as shipped: every line is a comment (or empty).
        for (const QByteArray &line : file.readAll().split('\n'))
            QVERIFY2(line.trimmed().isEmpty() || line.startsWith("//"), line.constData());
        QString error;
        const QString rule = exampleRule(QStringLiteral("wheel"), &error);
        QVERIFY2(!rule.isEmpty(), qPrintable(error));
        QVERIFY(rule.contains(QLatin1String("subject.isInGroup(\"wheel\")")));
        for (const QString &id : mutatingActions())
            QVERIFY2(rule.contains(QLatin1Char('"') + id + QLatin1Char('"')), qPrintable(id));
        QVERIFY(!rule.contains(QLatin1String("org.re6st.node.read")));
    }

    // ---- against a scripted polkit -----------------------------------------------------

    void asksPolkitAboutTheCallerWithInteraction()
    {
        m_fake.authorized = true;
        QDBusConnection client(QStringLiteral("fake-client"));
        QDBusMessage toProbe = fakeProbeCheck(QLatin1String(PolkitAuthorizer::kActionEnroll));
        toProbe.setInteractiveAuthorizationAllowed(true); // as re6stctl and re6st-tray send it
        QDBusPendingCall pending = client.asyncCall(toProbe, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(pending.isFinished(), 30000);
        QCOMPARE(pending.reply().type(), QDBusMessage::ReplyMessage);
        QCOMPARE(pending.reply().arguments().value(0).toString(), QStringLiteral("authorized"));

        QCOMPARE(m_fake.checks.size(), 1);
        const QDBusMessage check = m_fake.checks.front();
        QCOMPARE(check.signature(), QStringLiteral("(sa{sv})sa{ss}us"));
        const QList<QVariant> args = check.arguments();
        const auto subject = args.at(0).value<QDBusArgument>();
        QString kind;
        QVariantMap subjectDetails;
        subject.beginStructure();
        subject >> kind >> subjectDetails;
        subject.endStructure();
        QCOMPARE(kind, QStringLiteral("system-bus-name"));
        QCOMPARE(subjectDetails.keys(), QStringList{QStringLiteral("name")});
        // The caller, not the daemon.
        QCOMPARE(subjectDetails.value(QStringLiteral("name")).toString(), client.baseService());
        QVERIFY(client.baseService() != QDBusConnection(QStringLiteral("fake-daemon")).baseService());
        QCOMPARE(args.at(1).toString(), QLatin1String(PolkitAuthorizer::kActionEnroll));
        QCOMPARE(args.at(2).value<QDBusArgument>().currentSignature(), QStringLiteral("a{ss}"));
        QCOMPARE(args.at(3).toUInt(), 1u); // AllowUserInteraction
        QVERIFY(!args.at(4).toString().isEmpty());
    }

    // A call without ALLOW_INTERACTIVE_AUTHORIZATION (dbus-send, re6stctl
    // --no-ask-password): polkit is asked without AllowUserInteraction, and a challenge
    // is explained as such.
    void callWithoutInteractionIsCheckedWithoutIt()
    {
        m_fake.challenge = true;
        QDBusConnection client(QStringLiteral("fake-client"));
        const QDBusMessage toProbe = fakeProbeCheck(QLatin1String(PolkitAuthorizer::kActionEnroll));
        QVERIFY(!toProbe.isInteractiveAuthorizationAllowed());
        QDBusPendingCall pending = client.asyncCall(toProbe, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(pending.isFinished(), 30000);
        QCOMPARE(pending.reply().errorName(), kErrNotAuthorized);
        QVERIFY2(pending.reply().errorMessage().contains(QLatin1String("did not allow polkit to ask for a password")),
                 qPrintable(pending.reply().errorMessage()));
        QCOMPARE(m_fake.checks.size(), 1);
        QCOMPARE(m_fake.checks.front().arguments().at(3).toUInt(), 0u); // no AllowUserInteraction
    }

    void verdicts_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<bool>("authorized");
        QTest::addColumn<bool>("challenge");
        QTest::addColumn<QString>("detail");
        QTest::addColumn<QString>("errorName");
        QTest::addColumn<int>("verdict");
        QTest::addColumn<QString>("messagePart");
        using M = FakeAuthority::Mode;
        using V = PolkitAuthorizer::Verdict;
        QTest::newRow("yes") << int(M::Answer) << true << false << QString() << QString() << int(V::Authorized)
                             << QString();
        QTest::newRow("challenge, no agent")
            << int(M::Answer) << false << true << QStringLiteral("polkit.retains_authorization_after_challenge")
            << QString() << int(V::NotAuthorized) << QStringLiteral("no polkit authentication agent");
        QTest::newRow("no") << int(M::Answer) << false << false << QString() << QString() << int(V::NotAuthorized)
                            << QStringLiteral("Ask an administrator");
        QTest::newRow("dismissed") << int(M::Answer) << false << true << QStringLiteral("polkit.dismissed")
                                   << QString() << int(V::NotAuthorized) << QStringLiteral("was dismissed");
        QTest::newRow("polkit error") << int(M::Error) << false << false << QString()
                                      << QStringLiteral("org.freedesktop.PolicyKit1.Error.Failed")
                                      << int(V::Unavailable) << QStringLiteral("scripted failure");
        QTest::newRow("polkit refuses us") << int(M::Error) << false << false << QString()
                                           << QStringLiteral("org.freedesktop.PolicyKit1.Error.NotAuthorized")
                                           << int(V::Unavailable) << QStringLiteral("refused");
        QTest::newRow("malformed reply") << int(M::Malformed) << false << false << QString() << QString()
                                         << int(V::Unavailable) << QStringLiteral("unexpected reply");
    }

    void verdicts()
    {
        QFETCH(int, mode);
        QFETCH(bool, authorized);
        QFETCH(bool, challenge);
        QFETCH(QString, detail);
        QFETCH(QString, errorName);
        QFETCH(int, verdict);
        QFETCH(QString, messagePart);
        m_fake.mode = FakeAuthority::Mode(mode);
        m_fake.authorized = authorized;
        m_fake.challenge = challenge;
        if (!detail.isEmpty())
            m_fake.details.insert(detail, detail == QLatin1String("polkit.dismissed") ? QStringLiteral("true")
                                                                                      : QStringLiteral("1"));
        m_fake.errorName = errorName;
        const Checked checked = checkDirectly(*m_fakeAuthorizer, QStringLiteral(":1.4242"),
                                              QLatin1String(PolkitAuthorizer::kActionConfigure));
        QVERIFY(!checked.synchronous);
        QCOMPARE(checked.calls, 1);
        QCOMPARE(int(checked.result.verdict), verdict);
        QCOMPARE(m_fake.checks.size(), 1);
        if (messagePart.isEmpty()) {
            QVERIFY(checked.result.message.isEmpty());
        } else {
            QVERIFY2(checked.result.message.contains(messagePart), qPrintable(checked.result.message));
            QVERIFY2(checked.result.message.contains(QLatin1String(PolkitAuthorizer::kActionConfigure)),
                     qPrintable(checked.result.message));
        }
    }

    void callerWithoutUniqueNameIsRefusedWithoutAskingPolkit_data()
    {
        QTest::addColumn<QString>("caller");
        QTest::newRow("empty") << QString();
        QTest::newRow("well-known name") << QStringLiteral("org.re6st.Node");
    }

    void callerWithoutUniqueNameIsRefusedWithoutAskingPolkit()
    {
        QFETCH(QString, caller);
        m_fake.authorized = true;
        const Checked checked = checkDirectly(*m_fakeAuthorizer, caller, QLatin1String(PolkitAuthorizer::kActionEnroll));
        QVERIFY(!checked.synchronous);
        QCOMPARE(checked.calls, 1);
        QCOMPARE(checked.result.verdict, PolkitAuthorizer::Verdict::NotAuthorized);
        QVERIFY(m_fake.checks.isEmpty());
    }

    // The event loop keeps running while polkit thinks (or an agent waits for a password),
    // and a check that outlives timeoutMs is refused and cancelled in polkit.
    void silentPolkitTimesOutWithoutBlocking()
    {
        m_fake.mode = FakeAuthority::Mode::Silent;
        m_fakeProbe->timeoutMs = 1500;
        QDBusConnection client(QStringLiteral("fake-client"));
        const QString probe = QDBusConnection(QStringLiteral("fake-daemon")).baseService();
        QDBusMessage slow = QDBusMessage::createMethodCall(probe, kProbePath, kProbeIface, QStringLiteral("Check"));
        slow << QLatin1String(PolkitAuthorizer::kActionStartStop);
        QElapsedTimer elapsed;
        elapsed.start();
        QDBusPendingCall pending = client.asyncCall(slow, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(m_fake.checks.size(), 1, 10000);
        // Meanwhile the daemon answers other calls.
        QDBusPendingCall ping = client.asyncCall(
            QDBusMessage::createMethodCall(probe, kProbePath, QStringLiteral("org.freedesktop.DBus.Peer"),
                                           QStringLiteral("Ping")),
            10000);
        QTRY_VERIFY_WITH_TIMEOUT(ping.isFinished(), 10000);
        QCOMPARE(ping.reply().type(), QDBusMessage::ReplyMessage);
        QVERIFY(!pending.isFinished());

        QTRY_VERIFY_WITH_TIMEOUT(pending.isFinished(), 30000);
        // Qt coarse timers may fire up to 5% early.
        QVERIFY2(elapsed.elapsed() >= 1300, qPrintable(QString::number(elapsed.elapsed())));
        QCOMPARE(pending.reply().type(), QDBusMessage::ErrorMessage);
        QCOMPARE(pending.reply().errorName(), kErrUnavailable);
        QVERIFY2(pending.reply().errorMessage().contains(QLatin1String("did not answer")),
                 qPrintable(pending.reply().errorMessage()));
        QTRY_COMPARE_WITH_TIMEOUT(m_fake.cancels.size(), 1, 10000);
        QCOMPARE(m_fake.cancels.front().arguments().value(0).toString(),
                 m_fake.checks.front().arguments().value(4).toString());
    }

    // Audit F7: a caller whose polkit agent never answers may keep at most 2 checks pending;
    // the third is refused at once without asking polkit, while another caller is still checked.
    void pendingChecksAreCappedPerCaller()
    {
        QCOMPARE(m_fakeAuthorizer->maxPendingPerCaller(), 2);
        QCOMPARE(m_fakeAuthorizer->maxPendingTotal(), 32);
        m_fake.mode = FakeAuthority::Mode::Silent;
        m_fakeProbe->timeoutMs = 2000;
        const QString action = QLatin1String(PolkitAuthorizer::kActionConfigure);
        QDBusConnection client(QStringLiteral("fake-client"));
        QDBusPendingCall first = client.asyncCall(fakeProbeCheck(action), 30000);
        QDBusPendingCall second = client.asyncCall(fakeProbeCheck(action), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(m_fake.checks.size(), 2, 10000);
        QCOMPARE(m_fakeAuthorizer->pendingChecks(), 2);

        QElapsedTimer elapsed;
        elapsed.start();
        QDBusPendingCall third = client.asyncCall(fakeProbeCheck(action), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(third.isFinished(), 10000);
        QVERIFY2(elapsed.elapsed() < 1000, qPrintable(QString::number(elapsed.elapsed())));
        QCOMPARE(third.reply().type(), QDBusMessage::ErrorMessage);
        QCOMPARE(third.reply().errorName(), kErrNotAuthorized);
        QVERIFY2(third.reply().errorMessage().contains(QLatin1String("too many authorization requests pending")),
                 qPrintable(third.reply().errorMessage()));
        QVERIFY2(third.reply().errorMessage().contains(QLatin1String("retry later")),
                 qPrintable(third.reply().errorMessage()));
        QCOMPARE(m_fake.checks.size(), 2); // polkit was not asked
        QVERIFY(!first.isFinished() && !second.isFinished());

        // Another caller is still checked by polkit.
        const QString otherName = QStringLiteral("fake-client-other");
        struct Disconnect
        {
            QString name;
            ~Disconnect() { QDBusConnection::disconnectFromBus(name); }
        } disconnect{otherName};
        QDBusConnection other = QDBusConnection::connectToBus(m_fakeBus.address(), otherName);
        QVERIFY(other.isConnected());
        QDBusPendingCall fromOther = other.asyncCall(fakeProbeCheck(action), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(m_fake.checks.size(), 3, 10000);
        QVERIFY(!fromOther.isFinished());

        // Once the pending checks have ended (timed out), the first caller is checked again.
        QTRY_VERIFY_WITH_TIMEOUT(first.isFinished() && second.isFinished() && fromOther.isFinished(), 30000);
        QCOMPARE(first.reply().errorName(), kErrUnavailable);
        QCOMPARE(fromOther.reply().errorName(), kErrUnavailable);
        QTRY_COMPARE_WITH_TIMEOUT(m_fakeAuthorizer->pendingChecks(), 0, 10000);
        m_fake.mode = FakeAuthority::Mode::Answer;
        m_fake.authorized = true;
        QDBusPendingCall again = client.asyncCall(fakeProbeCheck(action), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(again.isFinished(), 10000);
        QCOMPARE(again.reply().type(), QDBusMessage::ReplyMessage);
        QCOMPARE(m_fake.checks.size(), 4);
        QTRY_COMPARE_WITH_TIMEOUT(m_fake.cancels.size(), 3, 10000);
    }

    // The overall cap: once it is reached, even a new caller is refused at once.
    void pendingChecksAreCappedOverall()
    {
        m_fakeAuthorizer->setPendingLimits(2, 3);
        m_fake.mode = FakeAuthority::Mode::Silent;
        m_fakeProbe->timeoutMs = 2000;
        const QString action = QLatin1String(PolkitAuthorizer::kActionStartStop);
        QDBusConnection client(QStringLiteral("fake-client"));
        const QString otherName = QStringLiteral("fake-client-other");
        struct Disconnect
        {
            QString name;
            ~Disconnect() { QDBusConnection::disconnectFromBus(name); }
        } disconnect{otherName};
        QDBusConnection other = QDBusConnection::connectToBus(m_fakeBus.address(), otherName);
        QVERIFY(other.isConnected());
        QList<QDBusPendingCall> pending{client.asyncCall(fakeProbeCheck(action), 30000),
                                        client.asyncCall(fakeProbeCheck(action), 30000),
                                        other.asyncCall(fakeProbeCheck(action), 30000)};
        QTRY_COMPARE_WITH_TIMEOUT(m_fake.checks.size(), 3, 10000);
        QDBusPendingCall refused = other.asyncCall(fakeProbeCheck(action), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(refused.isFinished(), 1000);
        QCOMPARE(refused.reply().errorName(), kErrNotAuthorized);
        QVERIFY2(refused.reply().errorMessage().contains(QLatin1String("too many authorization requests pending "
                                                                       "(3 in all)")),
                 qPrintable(refused.reply().errorMessage()));
        QCOMPARE(m_fake.checks.size(), 3);
        for (const QDBusPendingCall &p : pending)
            QTRY_VERIFY_WITH_TIMEOUT(p.isFinished(), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(m_fakeAuthorizer->pendingChecks(), 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_fake.cancels.size(), 3, 10000);
    }

    // (e) polkit is not on the bus at all: Unavailable, and the method call is refused.
    void polkitMissingFromTheBusRefusesTheCall()
    {
        PrivateBus empty;
        QString error;
        QVERIFY2(empty.start({}, &error), qPrintable(error));
        const QString name = QStringLiteral("no-polkit-daemon");
        struct Disconnect
        {
            QString name;
            ~Disconnect() { QDBusConnection::disconnectFromBus(name); }
        } disconnect{name};
        QDBusConnection daemon = QDBusConnection::connectToBus(empty.address(), name);
        QVERIFY(daemon.isConnected());
        PolkitAuthorizer authorizer(daemon);
        AuthProbe probe(authorizer);
        QVERIFY(daemon.registerObject(kProbePath, &probe, QDBusConnection::ExportAllSlots));
        QVERIFY(daemon.registerService(kProbeService));

        const Checked checked = checkDirectly(authorizer, daemon.baseService(),
                                              QLatin1String(PolkitAuthorizer::kActionStartStop));
        QVERIFY(!checked.synchronous);
        QCOMPARE(checked.calls, 1);
        QCOMPARE(checked.result.verdict, PolkitAuthorizer::Verdict::Unavailable);
        QVERIFY2(checked.result.message.contains(QLatin1String("polkit is not available")),
                 qPrintable(checked.result.message));

        const QString dbusSend = QStandardPaths::findExecutable(QStringLiteral("dbus-send"));
        if (dbusSend.isEmpty())
            QSKIP("dbus-send not found (Debian package dbus-bin): the call through the bus is not tested");
        for (const QString &action : mutatingActions()) {
            const ProcessResult r = runProcess(dbusSend, dbusSendArgs(QStringLiteral("Check"), action, empty.address()), {});
            QVERIFY2(r.finished && r.exitCode != 0 && r.err.contains(kErrUnavailable)
                         && r.err.contains(QLatin1String("polkit is not available")),
                     qPrintable(r.describe()));
        }
        daemon.unregisterObject(kProbePath);
    }

    // ---- against the real polkitd ------------------------------------------------------

    void pkactionShowsOurActions_data()
    {
        QTest::addColumn<QString>("action");
        QTest::addColumn<QString>("implicit");
        for (const QString &action : mutatingActions())
            QTest::newRow(qPrintable(action)) << action << QStringLiteral("auth_admin_keep");
        QTest::newRow("org.re6st.node.read") << QStringLiteral("org.re6st.node.read") << QStringLiteral("yes");
    }

    void pkactionShowsOurActions()
    {
        REQUIRE_REAL_POLKIT();
        QFETCH(QString, action);
        QFETCH(QString, implicit);
        const QString pkaction = QStandardPaths::findExecutable(QStringLiteral("pkaction"));
        if (pkaction.isEmpty())
            QSKIP("pkaction not found (Debian package polkitd)");
        const ProcessResult r = runProcess(pkaction, {QStringLiteral("--action-id"), action, QStringLiteral("--verbose")},
                                           busEnv());
        QVERIFY2(r.finished && r.exitCode == 0, qPrintable(r.describe()));
        for (const QString &pattern : {QStringLiteral("^%1:$").arg(QRegularExpression::escape(action)),
                                       QStringLiteral("^\\s*vendor:\\s+re6st-qt$"),
                                       QStringLiteral("^\\s*description:\\s+\\S"),
                                       QStringLiteral("^\\s*message:\\s+\\S"),
                                       QStringLiteral("^\\s*implicit any:\\s+%1$").arg(implicit),
                                       QStringLiteral("^\\s*implicit inactive:\\s+%1$").arg(implicit),
                                       QStringLiteral("^\\s*implicit active:\\s+%1$").arg(implicit)})
            QVERIFY2(QRegularExpression(pattern, QRegularExpression::MultilineOption).match(r.out).hasMatch(),
                     qPrintable(pattern + QStringLiteral(" in:\n") + r.out));
    }

    // (a) An unprivileged user is refused every mutating action (no agent can ask for the
    // administrator password: polkit answers "challenge").
    void unprivilegedCallerIsDenied_data()
    {
        QTest::addColumn<QString>("action");
        for (const QString &action : mutatingActions())
            QTest::newRow(qPrintable(action)) << action;
    }

    void unprivilegedCallerIsDenied()
    {
        REQUIRE_REAL_POLKIT();
        QFETCH(QString, action);
        const qsizetype before = m_probe->results.size();
        const ProcessResult r = m_stranger.run(m_dbusSend, dbusSendArgs(QStringLiteral("Check"), action, m_bus.address()),
                                               busEnv());
        QVERIFY2(r.finished && r.exitCode != 0, qPrintable(r.describe()));
        QVERIFY2(r.err.contains(kErrNotAuthorized), qPrintable(r.describe()));
        QVERIFY2(r.err.contains(QLatin1String("needs authentication")), qPrintable(r.describe()));
        QVERIFY(!r.out.contains(QLatin1String("authorized")));
        QCOMPARE(m_probe->results.size(), before + 1);
        QCOMPARE(m_probe->results.last().verdict, PolkitAuthorizer::Verdict::NotAuthorized);
        QCOMPARE(m_probe->callerUids.last(), uint(m_stranger.uid()));
    }

    // (b) The example .rules file, granting a group, lets a member of that group act.
    void groupMemberIsAuthorizedByTheExampleRule_data() { unprivilegedCallerIsDenied_data(); }

    void groupMemberIsAuthorizedByTheExampleRule()
    {
        REQUIRE_REAL_POLKIT();
        QFETCH(QString, action);
        const ProcessResult r = m_member.run(m_dbusSend, dbusSendArgs(QStringLiteral("Check"), action, m_bus.address()),
                                             busEnv());
        QVERIFY2(r.finished && r.exitCode == 0 && r.out.contains(QLatin1String("string \"authorized\"")),
                 qPrintable(r.describe() + QStringLiteral("\npolkitd log:\n") + m_polkit.log()));
        QCOMPARE(m_probe->results.last().verdict, PolkitAuthorizer::Verdict::Authorized);
        QCOMPARE(m_probe->callerUids.last(), uint(m_member.uid()));
    }

    // (c) root is always authorized by polkit.
    void rootCallerIsAuthorized_data() { unprivilegedCallerIsDenied_data(); }

    void rootCallerIsAuthorized()
    {
        REQUIRE_REAL_POLKIT();
        QFETCH(QString, action);
        const ProcessResult r = runProcess(m_dbusSend, dbusSendArgs(QStringLiteral("Check"), action, m_bus.address()),
                                           busEnv());
        QVERIFY2(r.finished && r.exitCode == 0 && r.out.contains(QLatin1String("string \"authorized\"")),
                 qPrintable(r.describe()));
        QCOMPARE(m_probe->callerUids.last(), 0u);
    }

    // (d) The daemon is root, yet its unprivileged caller is refused: polkit judged the
    // caller. Control: asking about the daemon's own name (the mistake) would pass.
    void checkIsOnTheCallerNotOnTheDaemon()
    {
        REQUIRE_REAL_POLKIT();
        QDBusConnection daemon(QStringLiteral("real-daemon"));
        QCOMPARE(daemon.interface()->serviceUid(daemon.baseService()).value(), 0u);
        const QString action = QLatin1String(PolkitAuthorizer::kActionEnroll);

        const ProcessResult denied =
            m_stranger.run(m_dbusSend, dbusSendArgs(QStringLiteral("Check"), action, m_bus.address()), busEnv());
        QVERIFY2(denied.finished && denied.exitCode != 0 && denied.err.contains(kErrNotAuthorized),
                 qPrintable(denied.describe()));
        QCOMPARE(m_probe->callerUids.last(), uint(m_stranger.uid()));

        const ProcessResult wrong = m_stranger.run(
            m_dbusSend, dbusSendArgs(QStringLiteral("CheckDaemonItself"), action, m_bus.address()), busEnv());
        QVERIFY2(wrong.finished && wrong.exitCode == 0 && wrong.out.contains(QLatin1String("string \"authorized\"")),
                 qPrintable(wrong.describe()));
        QCOMPARE(m_probe->callerUids.last(), uint(m_stranger.uid()));
    }

    // Polkit stops in the middle of the daemon's life: calls are refused, not granted.
    void polkitStoppedRefusesTheCall()
    {
        REQUIRE_REAL_POLKIT();
        m_polkit.stop();
        QVERIFY(!QDBusConnection(QStringLiteral("real-daemon")).interface()->isServiceRegistered(kPolkitService).value());
        const ProcessResult r = runProcess(
            m_dbusSend, dbusSendArgs(QStringLiteral("Check"), QLatin1String(PolkitAuthorizer::kActionStartStop), m_bus.address()),
            busEnv());
        QVERIFY2(r.finished && r.exitCode != 0 && r.err.contains(kErrUnavailable), qPrintable(r.describe()));
    }

    void cleanupTestCase()
    {
        m_polkit.stop();
        if (m_probe)
            QDBusConnection(QStringLiteral("real-daemon")).unregisterObject(kProbePath);
        if (m_fakeProbe)
            QDBusConnection(QStringLiteral("fake-daemon")).unregisterObject(kProbePath);
        QDBusConnection(QStringLiteral("fake-polkit")).unregisterObject(kPolkitPath);
    }
};

QTEST_GUILESS_MAIN(TestPolkitAuthorizer)
#include "tst_polkitauthorizer.moc"
