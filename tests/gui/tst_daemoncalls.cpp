// SPDX-License-Identifier: GPL-2.0-or-later
// How the tray's calls to the daemon cope with a daemon that is slow, refuses, or goes
// away mid-call, against a scripted stand-in for org.re6st.Node on a private dbus-daemon
// (no root, no polkit, no registry):
//  - the wizard's PageCall: Back while a call runs neither moves the wizard nor accepts
//    the page when the reply comes (audit M1); RequestToken outlasts polkit + registry (M6);
//  - a daemon that leaves the bus mid-call is described as such, not as slow (L4);
//  - NodeModel keeps its state on a transient GetAll error, says so and retries with a
//    bounded backoff; only "no owner" means absent; a signal while absent re-reads (M4).
#include "DaemonErrorText.h"
#include "EnrollEmailPage.h"
#include "EnrollFingerprintPage.h"
#include "EnrollRegistryPage.h"
#include "EnrollWizard.h"
#include "NodeModel.h"
#include "PrivateBus.h"

#include <QAbstractButton>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusVirtualObject>
#include <QLineEdit>
#include <QCheckBox>
#include <QtTest>

using namespace re6st::gui;

namespace {
constexpr int kWait = 20000;
const QString kService = QStringLiteral("org.re6st.Node");
const QString kPath = QStringLiteral("/org/re6st/Node");
const QString kNoReply = QStringLiteral("org.freedesktop.DBus.Error.NoReply");

// org.re6st.Node as scripted by the test: GetAll answers `props` or `getAllError`;
// FetchCa answers at once; any other method is held until the test answers it.
class FakeDaemon final : public QDBusVirtualObject
{
public:
    QVariantMap props;
    QString getAllError;
    int getAllCalls = 0;
    QList<QDBusMessage> held;

    QString introspect(const QString &) const override { return {}; }
    bool handleMessage(const QDBusMessage &message, const QDBusConnection &connection) override
    {
        if (message.member() == QLatin1String("GetAll")) {
            ++getAllCalls;
            connection.send(getAllError.isEmpty()
                                ? message.createReply(QVariant::fromValue(props))
                                : message.createErrorReply(getAllError, QStringLiteral("scripted failure")));
        } else if (message.member() == QLatin1String("FetchCa")) {
            connection.send(message.createReply(QVariantList{
                QStringLiteral("sha256:") + QStringLiteral("0123456789abcdef").repeated(4),
                 QVariant::fromValue(QVariantMap{{QStringLiteral("registry"), QStringLiteral("http://re6st.example.com/")}})}));
        } else if (message.interface().startsWith(QLatin1String("org.re6st."))) {
            held << message;
        } else {
            connection.send(message.createErrorReply(QStringLiteral("org.freedesktop.DBus.Error.UnknownMethod"), {}));
        }
        return true;
    }
};
} // namespace

class TestDaemonCalls final : public QObject
{
    Q_OBJECT

    re6st::test::PrivateBus m_bus;
    FakeDaemon m_fake;
    QString m_daemonConnection;
    int m_daemons = 0;

    QDBusConnection client() const { return QDBusConnection(QStringLiteral("client")); }
    QDBusConnection daemon() const { return QDBusConnection(m_daemonConnection); }

    QString startDaemon()
    {
        m_daemonConnection = QStringLiteral("daemon%1").arg(++m_daemons);
        QDBusConnection c = QDBusConnection::connectToBus(m_bus.address(), m_daemonConnection);
        if (!c.registerVirtualObject(kPath, &m_fake, QDBusConnection::SingleNode) || !c.registerService(kService))
            return QStringLiteral("cannot own %1: %2").arg(kService, c.lastError().message());
        return {};
    }
    // As when re6stnet crashes or re-executes itself: it leaves the bus, calls unanswered.
    void killDaemon()
    {
        daemon().unregisterObject(kPath);
        QDBusConnection::disconnectFromBus(m_daemonConnection);
        m_fake.held.clear();
    }
    void answerHeld(int i) { daemon().send(m_fake.held.at(i).createReply()); }

    // A fresh wizard on the email page (FetchCa answered, fingerprint confirmed).
    std::unique_ptr<EnrollWizard> wizardAtEmailPage()
    {
        auto w = std::make_unique<EnrollWizard>(client());
        w->show();
        qobject_cast<EnrollRegistryPage *>(w->page(EnrollWizard::RegistryPageId))
            ->urlEdit()
            ->setText(QStringLiteral("http://re6st.example.com/"));
        w->next();
        if (!QTest::qWaitFor([&] { return w->currentId() == EnrollWizard::FingerprintPageId; }, kWait))
            return nullptr;
        qobject_cast<EnrollFingerprintPage *>(w->page(EnrollWizard::FingerprintPageId))->checkedBox()->setChecked(true);
        w->next();
        if (w->currentId() != EnrollWizard::EmailPageId)
            return nullptr;
        return w;
    }
    static EnrollEmailPage *emailPage(EnrollWizard &w)
    {
        return qobject_cast<EnrollEmailPage *>(w.page(EnrollWizard::EmailPageId));
    }
    // Next on the email page with `email`: true once the stand-in holds the RequestToken.
    bool askToken(EnrollWizard &w, const QString &email)
    {
        const qsizetype before = m_fake.held.size();
        emailPage(w)->emailEdit()->setText(email);
        w.next();
        return QTest::qWaitFor([&] { return m_fake.held.size() == before + 1; }, kWait);
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (re6st::test::PrivateBus::daemonPath().isEmpty())
            QSKIP("dbus-daemon not installed (Debian package `dbus`)");
        QString error;
        QVERIFY2(m_bus.start({}, &error), qPrintable(error));
        QVERIFY(QDBusConnection::connectToBus(m_bus.address(), QStringLiteral("client")).isConnected());
        const QString why = startDaemon();
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void init()
    {
        m_fake.held.clear();
        m_fake.getAllError.clear();
        m_fake.props = {{QStringLiteral("State"), QStringLiteral("connected")},
                        {QStringLiteral("Enrolled"), true},
                        {QStringLiteral("Address"), QStringLiteral("2001:db8:42:1::1")}};
        if (!daemon().isConnected()) {
            const QString why = startDaemon();
            QVERIFY2(why.isEmpty(), qPrintable(why));
        }
    }

    void cleanupTestCase()
    {
        if (!m_daemonConnection.isEmpty())
            killDaemon();
        QDBusConnection::disconnectFromBus(QStringLiteral("client"));
        m_bus.stop();
    }

    // M1: Back while RequestToken runs; its answer must not move the wizard nor let the
    // next "Next" through without asking for the address then entered.
    void backWhileCallPendingNeitherMovesNorAccepts()
    {
        auto w = wizardAtEmailPage();
        QVERIFY(w);
        EnrollEmailPage *page = emailPage(*w);
        QVERIFY(askToken(*w, QStringLiteral("wrong@example.com")));
        QVERIFY(page->busy());
        QTRY_VERIFY_WITH_TIMEOUT(!w->button(QWizard::BackButton)->isEnabled(), kWait); // as on the progress page
        w->back(); // e.g. a restart; the button itself is disabled
        QCOMPARE(w->currentId(), int(EnrollWizard::FingerprintPageId));
        answerHeld(0);
        QTRY_VERIFY_WITH_TIMEOUT(!page->busy(), kWait);
        QCOMPARE(w->currentId(), int(EnrollWizard::FingerprintPageId));

        w->next();
        QCOMPARE(w->currentId(), int(EnrollWizard::EmailPageId));
        QVERIFY(w->button(QWizard::BackButton)->isEnabled());
        QVERIFY(askToken(*w, QStringLiteral("right@example.com"))); // asked again, for the right address
        QCOMPARE(m_fake.held.at(1).arguments().value(2).toString(), QStringLiteral("right@example.com"));
        QCOMPARE(w->currentId(), int(EnrollWizard::EmailPageId));
        answerHeld(1);
        QTRY_COMPARE_WITH_TIMEOUT(w->currentId(), int(EnrollWizard::TokenPageId), kWait);
        QTRY_VERIFY_WITH_TIMEOUT(w->button(QWizard::BackButton)->isEnabled(), kWait);
    }

    // M1: the address edited while the call ran is not taken as the one the token went to.
    void editWhileCallPendingAsksAgain()
    {
        auto w = wizardAtEmailPage();
        QVERIFY(w);
        EnrollEmailPage *page = emailPage(*w);
        QVERIFY(askToken(*w, QStringLiteral("wrong@example.com")));
        page->emailEdit()->setText(QStringLiteral("right@example.com"));
        answerHeld(0);
        QTRY_COMPARE_WITH_TIMEOUT(m_fake.held.size(), 2, kWait);
        QCOMPARE(m_fake.held.at(1).arguments().value(2).toString(), QStringLiteral("right@example.com"));
        QCOMPARE(w->currentId(), int(EnrollWizard::EmailPageId));
        answerHeld(1);
        QTRY_COMPARE_WITH_TIMEOUT(w->currentId(), int(EnrollWizard::TokenPageId), kWait);
    }

    // M6: polkit's dialog (300 s) then two registry requests (60 s each) fit in the wait.
    void requestTokenOutlastsPolkitAndRegistry()
    {
        auto w = wizardAtEmailPage();
        QVERIFY(w);
        QVERIFY(askToken(*w, QStringLiteral("me@example.com")));
        QVERIFY2(w->lastTimeoutMs(QStringLiteral("RequestToken")) >= 300000 + 2 * 60000 + 30000,
                 qPrintable(QString::number(w->lastTimeoutMs(QStringLiteral("RequestToken")))));
        QCOMPARE(w->lastTimeoutMs(QStringLiteral("RequestToken")), EnrollWizard::kLongCallTimeoutMs);
    }

    // L4: the texts for "left the bus mid-call" and for "too slow" differ.
    void vanishedDaemonTexts()
    {
        const QString gone = QStringLiteral("Message recipient disconnected from message bus without replying");
        const QString slow = QStringLiteral("Did not receive a reply. Possible causes include: ...");
        QVERIFY(DaemonErrorText::daemonVanished(kNoReply, gone));
        QVERIFY(!DaemonErrorText::daemonVanished(kNoReply, slow));
        QVERIFY(!DaemonErrorText::daemonVanished(QStringLiteral("org.re6st.Error.Failed"), gone));
        QVERIFY(DaemonErrorText::explain(kNoReply, gone).contains(QLatin1String("restarted or crashed")));
        QVERIFY(!DaemonErrorText::explain(kNoReply, slow).contains(QLatin1String("restarted or crashed")));
        QVERIFY(EnrollWizard::errorText(kNoReply, gone).contains(QLatin1String("restarted or crashed")));
        QVERIFY(!EnrollWizard::errorText(kNoReply, slow).contains(QLatin1String("restarted or crashed")));
    }

    // L4: the daemon leaves the bus while RequestToken runs (real bus error).
    void daemonGoneMidCallInWizard()
    {
        auto w = wizardAtEmailPage();
        QVERIFY(w);
        EnrollEmailPage *page = emailPage(*w);
        QVERIFY(askToken(*w, QStringLiteral("me@example.com")));
        killDaemon();
        QTRY_VERIFY_WITH_TIMEOUT(!page->busy(), kWait);
        QCOMPARE(w->currentId(), int(EnrollWizard::EmailPageId));
        QVERIFY2(page->error().contains(QLatin1String("restarted or crashed")), qPrintable(page->error()));
    }

    // L4: the same for a tray action (DaemonErrorText).
    void daemonGoneMidAction()
    {
        NodeModel model(client());
        QTRY_VERIFY_WITH_TIMEOUT(model.servicePresent(), kWait);
        QSignalSpy finished(&model, &NodeModel::actionFinished);
        model.stop();
        QTRY_COMPARE_WITH_TIMEOUT(m_fake.held.size(), 1, kWait);
        killDaemon();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, kWait);
        const QString failure = finished.at(0).at(1).toString();
        QVERIFY2(failure.contains(QLatin1String("restarted or crashed")), qPrintable(failure));
    }

    // M4: a GetAll refused while the daemon owns the name keeps the state, is shown, and
    // retried with a growing, bounded delay until it works.
    void transientReadErrorKeepsStateAndRetries()
    {
        NodeModel model(client());
        model.setRetryDelays(50, 200);
        QTRY_VERIFY_WITH_TIMEOUT(model.servicePresent(), kWait);
        QCOMPARE(model.address(), QStringLiteral("2001:db8:42:1::1"));
        QVERIFY(model.busError().isEmpty());

        m_fake.getAllError = QStringLiteral("org.freedesktop.DBus.Error.AccessDenied");
        const int before = m_fake.getAllCalls;
        model.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(!model.busError().isEmpty(), kWait);
        QVERIFY(model.servicePresent());
        QCOMPARE(model.address(), QStringLiteral("2001:db8:42:1::1"));
        QCOMPARE(NodeState::id(model.tray()), QStringLiteral("connected"));
        QVERIFY2(model.busError().contains(QLatin1String("scripted failure")), qPrintable(model.busError()));
        QTRY_VERIFY_WITH_TIMEOUT(m_fake.getAllCalls >= before + 4, kWait); // retried
        QCOMPARE(model.retryDelayMs(), 200);                               // bounded
        QVERIFY(model.servicePresent());

        m_fake.props.insert(QStringLiteral("Address"), QStringLiteral("2001:db8:42:1::2"));
        m_fake.getAllError.clear();
        QTRY_COMPARE_WITH_TIMEOUT(model.address(), QStringLiteral("2001:db8:42:1::2"), kWait);
        QVERIFY(model.busError().isEmpty());
        QCOMPARE(model.retryDelayMs(), 50);
    }

    // M4: "no owner" means absent (no retry); a PropertiesChanged then re-reads.
    void absentUntilTheDaemonSpeaks()
    {
        NodeModel model(client());
        QTRY_VERIFY_WITH_TIMEOUT(model.servicePresent(), kWait);
        m_fake.getAllError = QStringLiteral("org.freedesktop.DBus.Error.ServiceUnknown");
        model.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(!model.servicePresent(), kWait);
        QVERIFY(model.busError().isEmpty());

        m_fake.getAllError.clear();
        QDBusMessage signal = QDBusMessage::createSignal(kPath, QStringLiteral("org.freedesktop.DBus.Properties"),
                                                         QStringLiteral("PropertiesChanged"));
        signal << QStringLiteral("org.re6st.Node1")
               << QVariantMap{{QStringLiteral("PeerCount"), 3u}} << QStringList();
        QVERIFY(daemon().send(signal));
        QTRY_VERIFY_WITH_TIMEOUT(model.servicePresent(), kWait);
        QCOMPARE(model.address(), QStringLiteral("2001:db8:42:1::1"));
    }
};

QTEST_MAIN(TestDaemonCalls)
#include "tst_daemoncalls.moc"
