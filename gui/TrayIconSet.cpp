// SPDX-License-Identifier: GPL-2.0-or-later
#include "TrayIconSet.h"

#include <QImageReader>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>
#include <QPixmap>

// Resources of a static library are registered explicitly (outside any namespace).
static void initTrayIconResources()
{
    static const bool registered = [] {
        Q_INIT_RESOURCE(icons);
        return true;
    }();
    Q_UNUSED(registered);
}

namespace re6st::gui {

namespace {
using Tray = NodeState::Tray;

QColor fillOf(Tray tray)
{
    switch (tray) {
    case Tray::DaemonNotRunning: return QColor(0x9e9e9e);
    case Tray::NotEnrolled: return QColor(0x1e88e5);
    case Tray::Stopped: return QColor(0x757575);
    case Tray::Connecting: return QColor(0xffb300);
    case Tray::Connected: return QColor(0x43a047);
    case Tray::RegistryUnreachable: return QColor(0x00897b);
    case Tray::CertificateExpiring: return QColor(0xfb8c00);
    case Tray::Stopping: return QColor(0x757575);
    case Tray::Error: return QColor(0xe53935);
    }
    return QColor(0xe53935);
}

// The glyphs of gui/icons/*.svg, in the same 64×64 coordinates.
void drawGlyph(QPainter &p, Tray tray)
{
    QPen stroke(Qt::white, 6, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    p.setPen(stroke);
    p.setBrush(Qt::NoBrush);
    QPainterPath path;
    auto dot = [&p](qreal x, qreal y, qreal r) {
        p.save();
        p.setPen(Qt::NoPen);
        p.setBrush(Qt::white);
        p.drawEllipse(QPointF(x, y), r, r);
        p.restore();
    };
    switch (tray) {
    case Tray::DaemonNotRunning: path.moveTo(18, 46); path.lineTo(46, 18); break;
    case Tray::NotEnrolled: path.moveTo(32, 18); path.lineTo(32, 46); path.moveTo(18, 32); path.lineTo(46, 32); break;
    case Tray::Stopped:
        p.setPen(Qt::NoPen);
        p.setBrush(Qt::white);
        p.drawRoundedRect(QRectF(22, 22, 20, 20), 2, 2);
        return;
    case Tray::Connecting:
    case Tray::Stopping: dot(19, 32, 4.5); dot(32, 32, 4.5); dot(45, 32, 4.5); return;
    case Tray::Connected: path.moveTo(19, 33); path.lineTo(28, 42); path.lineTo(45, 23); break;
    case Tray::RegistryUnreachable: path.moveTo(32, 17); path.lineTo(32, 36); dot(32, 46, 4); break;
    case Tray::CertificateExpiring:
        path.addEllipse(QPointF(32, 32), 15, 15);
        path.moveTo(32, 23); path.lineTo(32, 32); path.lineTo(39, 37);
        break;
    case Tray::Error: path.moveTo(21, 21); path.lineTo(43, 43); path.moveTo(43, 21); path.lineTo(21, 43); break;
    }
    p.drawPath(path);
}
} // namespace

TrayIconSet::Variant TrayIconSet::variantFor(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128 ? Variant::Dark : Variant::Light;
}

bool TrayIconSet::svgAvailable()
{
    return QImageReader::supportedImageFormats().contains("svg");
}

QString TrayIconSet::resourcePath(Tray tray, Variant variant)
{
    return QStringLiteral(":/re6st/icons/%1-%2.svg")
        .arg(NodeState::id(tray), variant == Variant::Dark ? QStringLiteral("dark") : QStringLiteral("light"));
}

QIcon TrayIconSet::icon(Tray tray, Variant variant, Source source)
{
    initTrayIconResources();
    if (source == Source::Svg || (source == Source::Automatic && svgAvailable()))
        return QIcon(resourcePath(tray, variant));
    return drawn(tray, variant);
}

QIcon TrayIconSet::drawn(Tray tray, Variant variant)
{
    QIcon icon;
    for (const int size : {16, 22, 24, 32, 48, 64}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        p.scale(size / 64.0, size / 64.0);
        p.setPen(QPen(variant == Variant::Dark ? QColor(0xf5f5f5) : QColor(0x212121), 4));
        p.setBrush(fillOf(tray));
        p.drawEllipse(QPointF(32, 32), 28, 28);
        drawGlyph(p, tray);
        p.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace re6st::gui
