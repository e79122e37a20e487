// SPDX-License-Identifier: GPL-2.0-or-later
// ConflictsPanel (issue 6 §1) against a scripted org.re6st.HostNetwork1 object
// (dbus/org.re6st.HostNetwork1.xml) owning org.re6st.Node on a private dbus-daemon.
// Needs dbus-daemon and root (the bus policy lets only root own org.re6st.Node);
// skips otherwise.
#include "ConflictsPanel.h"
#include "PrivateBus.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusContext>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTextDocument>
#include <QtTest>
#include <memory>
#include <unistd.h>

using re6st::gui::ConflictsPanel;

namespace {

const QString kService = QStringLiteral("org.re6st.Node");
const QString kPath = QStringLiteral("/org/re6st/HostNetwork");
const QString kInterface = QStringLiteral("org.re6st.HostNetwork1");
const QString kDaemonConnection = QStringLiteral("re6st-test-hostnetwork");
const QString kPanelConnection = QStringLiteral("re6st-test-panel");
const QString kUuidA = QStringLiteral("5f0c7a3e-0000-4000-8000-00000000000a");
const QString kUuidB = QStringLiteral("5f0c7a3e-0000-4000-8000-00000000000b");
const QString kNameA = QStringLiteral("Wired connection 1");
const QString kNameB = QStringLiteral("Office Wi-Fi");
constexpr int kWait = 15000;

QVariantMap problem(const QString &uuid, const QString &name, const QString &iface, const QString &what)
{
    return {{QStringLiteral("connection"), uuid},
            {QStringLiteral("name"), name},
            {QStringLiteral("interface"), iface},
            {QStringLiteral("problem"), what},
            {QStringLiteral("detail"), QStringLiteral("competes with re6st")},
            {QStringLiteral("fix"), QStringLiteral("set ipv6.ignore-auto-routes and ipv6.never-default")}};
}

// Connection A has two problems, B one: two connections, three records.
QList<QVariantMap> twoConnections()
{
    return {problem(kUuidA, kNameA, QStringLiteral("eth0"), QStringLiteral("auto-routes")),
            problem(kUuidA, kNameA, QStringLiteral("eth0"), QStringLiteral("default-route")),
            problem(kUuidB, kNameB, QStringLiteral("wlan0"), QStringLiteral("default-route"))};
}

} // namespace

// The daemon side: org.re6st.HostNetwork1 with scripted FixConflict answers.
class FakeHostNetwork final : public QObject, protected QDBusContext
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FakeHostNetwork)
    Q_CLASSINFO("D-Bus Interface", "org.re6st.HostNetwork1")
    Q_PROPERTY(bool NetworkManager READ networkManager)
    Q_PROPERTY(QString MainInterface READ mainInterface)
    Q_PROPERTY(QString MainInterfaceState READ mainInterfaceState)
    Q_PROPERTY(QList<QVariantMap> Conflicts READ conflicts)
public:
    enum class Answer { Succeed, NotAuthorized, Failed };

    explicit FakeHostNetwork(QDBusConnection bus) : m_bus(std::move(bus)) {}

    bool networkManager() const { return m_networkManager; }
    QString mainInterface() const { return QStringLiteral("eth0"); }
    QString mainInterfaceState() const { return m_networkManager ? QStringLiteral("up") : QStringLiteral("unknown"); }
    QList<QVariantMap> conflicts() const { return m_conflicts; }

    QStringList calls;
    Answer answer = Answer::Succeed;

    // State before the object is on the bus: no signals.
    void preset(bool networkManager, const QList<QVariantMap> &conflicts)
    {
        m_networkManager = networkManager;
        m_conflicts = conflicts;
    }
    // A change the daemon announces.
    void setState(bool networkManager, const QList<QVariantMap> &conflicts)
    {
        m_networkManager = networkManager;
        m_conflicts = conflicts;
        Q_EMIT ConflictsChanged(m_conflicts);
        announce({{QStringLiteral("NetworkManager"), m_networkManager},
                  {QStringLiteral("MainInterfaceState"), mainInterfaceState()},
                  {QStringLiteral("Conflicts"), QVariant::fromValue(m_conflicts)}});
    }

public Q_SLOTS:
    void FixConflict(const QString &connection)
    {
        calls << connection;
        switch (answer) {
        case Answer::NotAuthorized:
            sendErrorReply(QStringLiteral("org.re6st.Error.NotAuthorized"), QStringLiteral("polkit said no"));
            return;
        case Answer::Failed:
            sendErrorReply(QStringLiteral("org.re6st.Error.Failed"), QStringLiteral("NetworkManager refused the update"));
            return;
        case Answer::Succeed:
            break;
        }
        QList<QVariantMap> left;
        for (const QVariantMap &c : std::as_const(m_conflicts))
            if (c.value(QStringLiteral("connection")).toString() != connection)
                left << c;
        if (left.size() == m_conflicts.size()) {
            sendErrorReply(QStringLiteral("org.re6st.Error.NotFound"), QStringLiteral("no such conflicting connection"));
            return;
        }
        setState(m_networkManager, left);
    }

Q_SIGNALS:
    void ConflictsChanged(const QList<QVariantMap> &conflicts);

private:
    void announce(const QVariantMap &changed)
    {
        QDBusMessage signal = QDBusMessage::createSignal(kPath, QStringLiteral("org.freedesktop.DBus.Properties"),
                                                         QStringLiteral("PropertiesChanged"));
        signal << kInterface << changed << QStringList();
        m_bus.send(signal);
    }

    QDBusConnection m_bus;
    bool m_networkManager = false;
    QList<QVariantMap> m_conflicts;
};

class TestConflictsPanel final : public QObject
{
    Q_OBJECT
private:
    re6st::test::PrivateBus m_bus;
    QString m_skip;
    std::unique_ptr<FakeHostNetwork> m_fake;
    std::unique_ptr<ConflictsPanel> m_panel;

    QDBusConnection daemonBus() const { return QDBusConnection(kDaemonConnection); }

    bool publish()
    {
        QDBusConnection bus = daemonBus();
        if (!bus.registerObject(kPath, m_fake.get(),
                                QDBusConnection::ExportAllSlots | QDBusConnection::ExportAllSignals
                                    | QDBusConnection::ExportAllProperties))
            return false;
        return bus.registerService(kService);
    }
    void withdraw()
    {
        QDBusConnection bus = daemonBus();
        bus.unregisterService(kService);
        bus.unregisterObject(kPath);
    }
    ConflictsPanel *makePanel()
    {
        m_panel = std::make_unique<ConflictsPanel>(QDBusConnection(kPanelConnection));
        m_panel->resize(640, 480);
        m_panel->show();
        return m_panel.get();
    }
    QList<QPushButton *> fixButtons() const
    {
        return m_panel->findChildren<QPushButton *>(QStringLiteral("fix"));
    }
    QPushButton *fixButtonOf(const QString &uuid) const
    {
        auto *row = m_panel->findChild<QWidget *>(QStringLiteral("conflict-") + uuid);
        return row ? row->findChild<QPushButton *>(QStringLiteral("fix")) : nullptr;
    }
    bool shows(const QString &text) const
    {
        const auto labels = m_panel->findChildren<QLabel *>();
        for (const QLabel *label : labels)
            if (!label->isHidden() && label->text().contains(text.toHtmlEscaped()))
                return true;
        return false;
    }
    static bool emitted(const QSignalSpy &spy, int count)
    {
        for (const QList<QVariant> &args : spy)
            if (args.value(0).toInt() == count)
                return true;
        return false;
    }
    // A panel showing both conflicts of twoConnections().
    void panelWithTwoConflicts()
    {
        m_fake->preset(true, twoConnections());
        QVERIFY(publish());
        makePanel();
        QTRY_COMPARE_WITH_TIMEOUT(fixButtons().size(), 2, kWait);
        QVERIFY(fixButtonOf(kUuidA));
        QVERIFY(fixButtonOf(kUuidB));
    }

private Q_SLOTS:
    void initTestCase()
    {
        qDBusRegisterMetaType<QList<QVariantMap>>();
        if (re6st::test::PrivateBus::daemonPath().isEmpty())
            QSKIP("dbus-daemon not installed (Debian package `dbus`)");
        if (::geteuid() != 0)
            QSKIP("needs root: dbus/org.re6st.Node.conf lets only root own org.re6st.Node");
        const QString source = qEnvironmentVariable("RE6ST_SOURCE_DIR", QStringLiteral(RE6ST_SOURCE_DIR_FALLBACK));
        QString error;
        QVERIFY2(m_bus.start({source + QStringLiteral("/dbus/org.re6st.Node.conf")}, &error), qPrintable(error));
        qputenv("DBUS_SYSTEM_BUS_ADDRESS", m_bus.address().toUtf8());
        QVERIFY(QDBusConnection::connectToBus(m_bus.address(), kDaemonConnection).isConnected());
        QVERIFY(QDBusConnection::connectToBus(m_bus.address(), kPanelConnection).isConnected());
    }
    void init()
    {
        m_fake = std::make_unique<FakeHostNetwork>(daemonBus());
    }
    void cleanup()
    {
        m_panel.reset();
        withdraw();
        m_fake.reset();
        // The next test starts with the name free.
        QTRY_VERIFY_WITH_TIMEOUT(
            !QDBusConnection(kPanelConnection).interface()->isServiceRegistered(kService).value(), kWait);
    }
    void cleanupTestCase()
    {
        QDBusConnection::disconnectFromBus(kPanelConnection);
        QDBusConnection::disconnectFromBus(kDaemonConnection);
        m_bus.stop();
    }

    void noDaemon()
    {
        makePanel();
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->statusText().contains(QLatin1String("daemon is not running")), kWait);
        QVERIFY(m_panel->conflicts().isEmpty());
        QCOMPARE(fixButtons().size(), 0);
        QVERIFY(m_panel->errorText().isEmpty());
    }

    void networkManagerNotRunning()
    {
        m_fake->preset(false, {});
        QVERIFY(publish());
        makePanel();
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->statusText().contains(QLatin1String("NetworkManager is not running")), kWait);
        QVERIFY(!m_panel->statusText().contains(QLatin1String("daemon is not running")));
        QCOMPARE(fixButtons().size(), 0);
    }

    void twoConflictsAppear()
    {
        m_fake->preset(true, {});
        QVERIFY(publish());
        makePanel();
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->statusText().contains(QLatin1String("No NetworkManager connection conflicts")),
                                 kWait);
        QCOMPARE(fixButtons().size(), 0);
        QSignalSpy count(m_panel.get(), &ConflictsPanel::countChanged);
        m_fake->setState(true, twoConnections());
        QTRY_VERIFY_WITH_TIMEOUT(emitted(count, 2), kWait);
        QTRY_COMPARE_WITH_TIMEOUT(fixButtons().size(), 2, kWait);
        QCOMPARE(m_panel->conflicts().size(), 3);
        for (QPushButton *b : fixButtons()) {
            QCOMPARE(b->text(), QStringLiteral("Fix"));
            QVERIFY(b->isEnabled());
        }
        QVERIFY(fixButtonOf(kUuidA));
        QVERIFY(fixButtonOf(kUuidB));
        QVERIFY(shows(kNameA));
        QVERIFY(shows(kNameB));
        QVERIFY(m_panel->statusText().contains(QLatin1String("compete with re6st")));
        // Every count announced is the number of connections (2), never of records (3).
        for (const QList<QVariant> &args : std::as_const(count))
            QVERIFY2(args.value(0).toInt() == 2, qPrintable(QString::number(args.value(0).toInt())));
    }

    void fixOne()
    {
        panelWithTwoConflicts();
        QSignalSpy count(m_panel.get(), &ConflictsPanel::countChanged);
        m_fake->answer = FakeHostNetwork::Answer::Succeed;
        fixButtonOf(kUuidA)->click();
        QTRY_COMPARE_WITH_TIMEOUT(m_fake->calls, QStringList{kUuidA}, kWait);
        QTRY_COMPARE_WITH_TIMEOUT(fixButtons().size(), 1, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(emitted(count, 1), kWait);
        QVERIFY(!fixButtonOf(kUuidA));
        QVERIFY(fixButtonOf(kUuidB));
        QVERIFY(!shows(kNameA));
        QVERIFY(shows(kNameB));
        QCOMPARE(m_panel->conflicts().size(), 1);
        // The call finished: the remaining button is usable again, no error.
        QTRY_VERIFY_WITH_TIMEOUT(fixButtonOf(kUuidB) && fixButtonOf(kUuidB)->isEnabled(), kWait);
        QCOMPARE(fixButtonOf(kUuidB)->text(), QStringLiteral("Fix"));
        QVERIFY(m_panel->errorText().isEmpty());
        QCOMPARE(m_fake->calls, QStringList{kUuidA});
    }

    void refusedFix_data()
    {
        QTest::addColumn<int>("answer");
        QTest::addColumn<QString>("expected");
        QTest::newRow("NotAuthorized") << int(FakeHostNetwork::Answer::NotAuthorized) << QStringLiteral("polkit");
        QTest::newRow("Failed") << int(FakeHostNetwork::Answer::Failed)
                                << QStringLiteral("NetworkManager refused the update");
    }
    void refusedFix()
    {
        QFETCH(int, answer);
        QFETCH(QString, expected);
        panelWithTwoConflicts();
        m_fake->answer = FakeHostNetwork::Answer(answer);
        QVERIFY(m_panel->errorText().isEmpty());
        fixButtonOf(kUuidB)->click();
        QTRY_COMPARE_WITH_TIMEOUT(m_fake->calls, QStringList{kUuidB}, kWait);
        QTRY_VERIFY_WITH_TIMEOUT(!m_panel->errorText().isEmpty(), kWait);
        const QString error = m_panel->errorText();
        QVERIFY2(error.contains(kNameB), qPrintable(error));
        QVERIFY2(error.contains(expected), qPrintable(error));
        // Shown: a visible label carries it.
        bool visible = false;
        const auto labels = m_panel->findChildren<QLabel *>();
        for (const QLabel *label : labels)
            visible = visible || (label->isVisible() && label->text() == error);
        QVERIFY2(visible, "the error text is in no visible label");
        // The conflict stays, and both buttons are usable again.
        QTRY_VERIFY_WITH_TIMEOUT(fixButtonOf(kUuidB) && fixButtonOf(kUuidB)->isEnabled()
                                     && fixButtonOf(kUuidA) && fixButtonOf(kUuidA)->isEnabled(),
                                 kWait);
        QCOMPARE(fixButtons().size(), 2);
        QCOMPARE(m_panel->conflicts().size(), 3);
        QVERIFY(shows(kNameB));
        QCOMPARE(fixButtonOf(kUuidB)->text(), QStringLiteral("Fix"));
    }

    // F7: a connection's name is anyone's (NetworkManager names Wi-Fi connections after
    // the SSID): the row, the Fix button's tooltip and the error show it as is, never as HTML.
    void nameIsShownLiterally_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("markup") << QStringLiteral("<b>x</b><img src=\"/usr/share/pixmaps/debian-logo.png\">");
        QTest::newRow("heading") << QStringLiteral("<h1 style='color:red'>Wi-Fi</h1>");
        QTest::newRow("entities") << QStringLiteral("R&D &lt;lab&gt;");
    }
    void nameIsShownLiterally()
    {
        QFETCH(QString, name);
        const auto rendered = [](const QString &text) {
            QTextDocument doc;
            doc.setHtml(text);
            return doc.toPlainText();
        };
        m_fake->preset(true, {problem(kUuidA, name, QStringLiteral("eth0"), QStringLiteral("auto-routes"))});
        QVERIFY(publish());
        makePanel();
        QTRY_VERIFY_WITH_TIMEOUT(fixButtonOf(kUuidA), kWait);
        // The row's label is rich text (bold name) with the name escaped: it renders as the name.
        QVERIFY(shows(name));
        auto *row = m_panel->findChild<QWidget *>(QStringLiteral("conflict-") + kUuidA);
        const auto *label = row->findChild<QLabel *>();
        QVERIFY(label);
        QCOMPARE(label->textFormat(), Qt::RichText);
        QVERIFY2(rendered(label->text()).startsWith(name + QStringLiteral(" (interface eth0)")), qPrintable(label->text()));
        // Tooltips have no plain-text switch: they are HTML that renders as the text.
        const QString tip = fixButtonOf(kUuidA)->toolTip();
        QVERIFY(Qt::mightBeRichText(tip));
        QCOMPARE(rendered(tip), QStringLiteral("Set ipv6.ignore-auto-routes and ipv6.never-default on \"%1\"").arg(name));
        // The error names the connection in a plain-text label.
        m_fake->answer = FakeHostNetwork::Answer::Failed;
        fixButtonOf(kUuidA)->click();
        QTRY_VERIFY_WITH_TIMEOUT(!m_panel->errorText().isEmpty(), kWait);
        const QString error = m_panel->errorText();
        QVERIFY2(error.startsWith(QStringLiteral("Could not fix \"%1\": ").arg(name)), qPrintable(error));
        bool plain = false;
        const auto labels = m_panel->findChildren<QLabel *>();
        for (const QLabel *l : labels)
            plain = plain || (l->isVisible() && l->text() == error && l->textFormat() == Qt::PlainText);
        QVERIFY2(plain, "the error is in no visible plain-text label");
    }

    void daemonGoesAndComesBack()
    {
        panelWithTwoConflicts();
        QSignalSpy count(m_panel.get(), &ConflictsPanel::countChanged);
        withdraw();
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->statusText().contains(QLatin1String("daemon is not running")), kWait);
        QTRY_COMPARE_WITH_TIMEOUT(fixButtons().size(), 0, kWait);
        QVERIFY(m_panel->conflicts().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(emitted(count, 0), kWait);
        QVERIFY(!shows(kNameA));

        // Back, with one conflict fixed meanwhile.
        m_fake->preset(true, {twoConnections().at(2)});
        QVERIFY(publish());
        QTRY_COMPARE_WITH_TIMEOUT(fixButtons().size(), 1, kWait);
        QVERIFY(fixButtonOf(kUuidB));
        QTRY_VERIFY_WITH_TIMEOUT(emitted(count, 1), kWait);
        QVERIFY(m_panel->statusText().contains(QLatin1String("compete with re6st")));
        QVERIFY(shows(kNameB));

        // And it is followed again after coming back: its signals still reach the panel.
        m_fake->setState(false, {});
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->statusText().contains(QLatin1String("NetworkManager is not running")), kWait);
        QTRY_COMPARE_WITH_TIMEOUT(fixButtons().size(), 0, kWait);
    }
};

QTEST_MAIN(TestConflictsPanel)
#include "tst_conflictspanel.moc"
