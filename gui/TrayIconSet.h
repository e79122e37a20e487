// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "NodeState.h"

#include <QIcon>

class QPalette;

namespace re6st::gui {

// One icon per tray state, from gui/icons/<state>-<variant>.svg (resources) when Qt
// can render SVG (Debian: libqt6svg6), else drawn with QPainter from the same shapes,
// so that the tray never shows a blank icon.
class TrayIconSet final
{
public:
    enum class Variant { Light, Dark }; // Light: for light panels (dark outline)
    enum class Source { Automatic, Svg, Drawn };

    static Variant variantFor(const QPalette &palette);
    static bool svgAvailable();
    static QString resourcePath(NodeState::Tray tray, Variant variant);
    static QIcon icon(NodeState::Tray tray, Variant variant, Source source = Source::Automatic);

private:
    static QIcon drawn(NodeState::Tray tray, Variant variant);
};

} // namespace re6st::gui
