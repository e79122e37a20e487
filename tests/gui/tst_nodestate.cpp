// SPDX-License-Identifier: GPL-2.0-or-later
// NodeState (tray state from the daemon's properties), DaemonErrorText and the tray
// icons: pure, no bus.
#include "DaemonErrorText.h"
#include "NodeState.h"
#include "PeerReach.h"
#include "TrayIconSet.h"

#include <QFile>
#include <QImage>
#include <QPainter>
#include <QSet>
#include <QtTest>

using re6st::gui::NodeState;
using re6st::gui::TrayIconSet;
using Tray = NodeState::Tray;
Q_DECLARE_METATYPE(re6st::gui::NodeState::Tray)
Q_DECLARE_METATYPE(re6st::gui::TrayIconSet::Source)

namespace {
constexpr qint64 kNow = 1800000000;
constexpr qint64 kDay = 24 * 3600;
}

class TestNodeState final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void mapping_data()
    {
        QTest::addColumn<bool>("present");
        QTest::addColumn<bool>("enrolled");
        QTest::addColumn<QString>("state");
        QTest::addColumn<qint64>("notAfter");
        QTest::addColumn<Tray>("expected");
        const qint64 far = kNow + 365 * kDay;
        QTest::newRow("no daemon") << false << true << QStringLiteral("connected") << far << Tray::DaemonNotRunning;
        QTest::newRow("no daemon, stale values") << false << false << QStringLiteral("error") << qint64(0) << Tray::DaemonNotRunning;
        QTest::newRow("not enrolled") << true << false << QStringLiteral("stopped") << qint64(0) << Tray::NotEnrolled;
        QTest::newRow("stopped") << true << true << QStringLiteral("stopped") << far << Tray::Stopped;
        QTest::newRow("stopped, expiring: stopped wins") << true << true << QStringLiteral("stopped") << kNow + kDay << Tray::Stopped;
        QTest::newRow("starting") << true << true << QStringLiteral("starting") << far << Tray::Connecting;
        QTest::newRow("connecting") << true << true << QStringLiteral("connecting") << far << Tray::Connecting;
        QTest::newRow("connected") << true << true << QStringLiteral("connected") << far << Tray::Connected;
        QTest::newRow("registry unreachable") << true << true << QStringLiteral("registry-unreachable") << far << Tray::RegistryUnreachable;
        QTest::newRow("stopping") << true << true << QStringLiteral("stopping") << far << Tray::Stopping;
        QTest::newRow("stopping, expiring: stopping wins") << true << true << QStringLiteral("stopping") << kNow + kDay
                                                           << Tray::Stopping;
        QTest::newRow("error") << true << true << QStringLiteral("error") << far << Tray::Error;
        QTest::newRow("unknown state is an error") << true << true << QStringLiteral("hibernating") << far << Tray::Error;
        QTest::newRow("empty state is an error") << true << true << QStringLiteral("") << far << Tray::Error;
        QTest::newRow("connected, 13 days left") << true << true << QStringLiteral("connected") << kNow + 13 * kDay << Tray::CertificateExpiring;
        QTest::newRow("connected, 15 days left") << true << true << QStringLiteral("connected") << kNow + 15 * kDay << Tray::Connected;
        QTest::newRow("connected, just under 14 days") << true << true << QStringLiteral("connected") << kNow + 14 * kDay - 1
                                                       << Tray::CertificateExpiring;
        QTest::newRow("connected, exactly 14 days") << true << true << QStringLiteral("connected") << kNow + 14 * kDay << Tray::Connected;
        QTest::newRow("connected, expired") << true << true << QStringLiteral("connected") << kNow - kDay << Tray::CertificateExpiring;
        QTest::newRow("registry unreachable, expiring") << true << true << QStringLiteral("registry-unreachable") << kNow + kDay
                                                        << Tray::CertificateExpiring;
        QTest::newRow("connected, no certificate date") << true << true << QStringLiteral("connected") << qint64(0) << Tray::Connected;
        QTest::newRow("connecting, expiring: connecting wins") << true << true << QStringLiteral("connecting") << kNow + kDay
                                                               << Tray::Connecting;
    }
    void mapping()
    {
        QFETCH(bool, present);
        QFETCH(bool, enrolled);
        QFETCH(QString, state);
        QFETCH(qint64, notAfter);
        QFETCH(Tray, expected);
        NodeState::Inputs in;
        in.servicePresent = present;
        in.enrolled = enrolled;
        in.state = state;
        in.certificateNotAfter = notAfter;
        in.now = kNow;
        QCOMPARE(NodeState::id(NodeState::of(in)), NodeState::id(expected));
    }

    void everyStateHasItsOwnIdAndTitle()
    {
        QSet<QString> ids, titles;
        for (Tray t : NodeState::kAll) {
            ids.insert(NodeState::id(t));
            titles.insert(NodeState::title(t));
        }
        QCOMPARE(ids.size(), qsizetype(std::size(NodeState::kAll)));
        QCOMPARE(titles.size(), qsizetype(std::size(NodeState::kAll)));
    }

    void actionsFollowTheState()
    {
        QVERIFY(NodeState::canStart(Tray::Stopped));
        QVERIFY(!NodeState::canStop(Tray::Stopped));
        QVERIFY(NodeState::canStop(Tray::Connected));
        QVERIFY(!NodeState::canStart(Tray::Connected));
        QVERIFY(!NodeState::canStart(Tray::DaemonNotRunning));
        QVERIFY(!NodeState::canStop(Tray::DaemonNotRunning));
        QVERIFY(!NodeState::canStart(Tray::NotEnrolled));
        QVERIFY(NodeState::meshUp(Tray::RegistryUnreachable));
        QVERIFY(!NodeState::meshUp(Tray::Connecting));
        // Stopping: Start waits behind the stop anyway, and Stop is already under way.
        QVERIFY(!NodeState::canStart(Tray::Stopping));
        QVERIFY(!NodeState::canStop(Tray::Stopping));
        QVERIFY(!NodeState::meshUp(Tray::Stopping));
    }

    void errorsSayWhatToDo()
    {
        const QString refused = re6st::gui::DaemonErrorText::explain(QStringLiteral("org.re6st.Error.NotAuthorized"),
                                                                     QStringLiteral("polkit is not available"));
        QVERIFY2(refused.contains(QLatin1String("polkit")) && refused.contains(QLatin1String("polkit is not available")),
                 qPrintable(refused));
        const QString absent = re6st::gui::DaemonErrorText::explain(
            QStringLiteral("org.freedesktop.DBus.Error.ServiceUnknown"), QString());
        QVERIFY2(absent.contains(QLatin1String("not running")), qPrintable(absent));
        QVERIFY(!absent.contains(QLatin1String("Details")));
        QVERIFY(re6st::gui::DaemonErrorText::explain(QStringLiteral("org.re6st.Error.NotEnrolled"), {})
                    .contains(QLatin1String("join")));
    }

    void peerReach()
    {
        using re6st::gui::PeerReach;
        auto route = [](const char *destination, const char *nextHop, bool installed) {
            return QVariantMap{{QStringLiteral("destination"), QString::fromLatin1(destination)},
                               {QStringLiteral("next_hop"), QString::fromLatin1(nextHop)},
                               {QStringLiteral("interface"), QStringLiteral("re6stnet1")},
                               {QStringLiteral("installed"), installed}};
        };
        const QList<QVariantMap> tunnels{{{QStringLiteral("peer"), QStringLiteral("2/16")},
                                          {QStringLiteral("interface"), QStringLiteral("re6stnet1")}}};
        const QList<QVariantMap> routes{route("2001:db8:42::/48", "fe80::9", true),
                                        route("2001:db8:42:3::/64", "fe80::2", true),
                                        route("2001:db8:42:3::/80", "fe80::7", false)};
        const QList<QVariantMap> neighbours{{{QStringLiteral("address"), QStringLiteral("fe80::2")},
                                             {QStringLiteral("interface"), QStringLiteral("re6stnet1")},
                                             {QStringLiteral("rtt_ms"), 12.5}}};
        const auto direct = PeerReach::of(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"), tunnels, routes, neighbours);
        QCOMPARE(direct.kind, PeerReach::Kind::Direct);
        QCOMPARE(direct.rttMs, 12.5);
        // Longest installed prefix wins; a route not installed does not count.
        const auto routed = PeerReach::of(QStringLiteral("3/16"), QStringLiteral("2001:db8:42:3::1"), tunnels, routes, neighbours);
        QCOMPARE(routed.kind, PeerReach::Kind::Routed);
        QVERIFY2(routed.how.contains(QLatin1String("fe80::2")), qPrintable(routed.how));
        QCOMPARE(routed.rttMs, -1.0);
        const auto wide = PeerReach::of(QStringLiteral("5/16"), QStringLiteral("2001:db8:42:5::1"), tunnels, routes, neighbours);
        QVERIFY2(wide.how.contains(QLatin1String("fe80::9")), qPrintable(wide.how));
        const auto none = PeerReach::of(QStringLiteral("6/16"), QStringLiteral("2001:db8:99::1"), tunnels, routes, neighbours);
        QCOMPARE(none.kind, PeerReach::Kind::Unknown);
        QCOMPARE(PeerReach::of(QStringLiteral("6/16"), QString(), {}, routes, {}).kind, PeerReach::Kind::Unknown);
    }

    // Each state has its own picture, in both variants, drawn or from SVG.
    void iconsAreDistinct_data()
    {
        QTest::addColumn<TrayIconSet::Source>("source");
        QTest::newRow("drawn") << TrayIconSet::Source::Drawn;
        QTest::newRow("svg") << TrayIconSet::Source::Svg;
    }
    void iconsAreDistinct()
    {
        QFETCH(TrayIconSet::Source, source);
        if (source == TrayIconSet::Source::Svg && !TrayIconSet::svgAvailable())
            QSKIP("Qt's SVG image plugin is not installed (Debian package libqt6svg6); the tray draws its icons");
        QSet<QByteArray> images;
        for (auto variant : {TrayIconSet::Variant::Light, TrayIconSet::Variant::Dark})
            for (Tray t : NodeState::kAll) {
                const QIcon icon = TrayIconSet::icon(t, variant, source);
                QVERIFY2(!icon.isNull(), qPrintable(NodeState::id(t)));
                const QImage image = icon.pixmap(32, 32).toImage().convertToFormat(QImage::Format_ARGB32);
                QCOMPARE(image.size(), QSize(32, 32));
                images.insert(QByteArray(reinterpret_cast<const char *>(image.constBits()), image.sizeInBytes()));
            }
        QCOMPARE(images.size(), 2 * qsizetype(std::size(NodeState::kAll)));
    }

    // With RE6ST_GUI_ARTIFACTS=DIR: every icon, drawn and SVG, light and dark, on one PNG.
    void iconSheet()
    {
        const QString dir = qEnvironmentVariable("RE6ST_GUI_ARTIFACTS");
        if (dir.isEmpty())
            QSKIP("set RE6ST_GUI_ARTIFACTS=DIR to save tray-icons.png there");
        QImage sheet(int(std::size(NodeState::kAll)) * 72, 4 * 72, QImage::Format_ARGB32);
        sheet.fill(Qt::white);
        QPainter p(&sheet);
        int row = 0;
        for (auto source : {TrayIconSet::Source::Drawn, TrayIconSet::Source::Svg})
            for (auto variant : {TrayIconSet::Variant::Light, TrayIconSet::Variant::Dark}) {
                if (variant == TrayIconSet::Variant::Dark)
                    p.fillRect(0, row * 72, sheet.width(), 72, QColor(0x303030));
                int column = 0;
                for (Tray t : NodeState::kAll)
                    p.drawPixmap(column++ * 72 + 4, row * 72 + 4, TrayIconSet::icon(t, variant, source).pixmap(64, 64));
                ++row;
            }
        p.end();
        QVERIFY(sheet.save(dir + QStringLiteral("/tray-icons.png")));
    }

    void svgFilesAreInTheResources()
    {
        for (auto variant : {TrayIconSet::Variant::Light, TrayIconSet::Variant::Dark})
            for (Tray t : NodeState::kAll) {
                TrayIconSet::icon(t, variant, TrayIconSet::Source::Drawn); // registers the resources
                QFile file(TrayIconSet::resourcePath(t, variant));
                QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
                QVERIFY(file.readAll().contains("<svg"));
            }
    }
};

QTEST_MAIN(TestNodeState)
#include "tst_nodestate.moc"
