// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QObject>
#include <QString>

namespace re6st::gui {

class TrayApplication;

// re6st-tray --screenshot DIR (tests/lab/lab_screenshot.sh): once the window shows a
// running node (address known, peers, tunnels and routes loaded, at least `minNodes`
// other nodes in the neighbourhood), saves DIR/window-<tab>.png for every tab, then
// DIR/window.txt with what the window shows (written last: its presence means done).
// The window is left open on the Neighbourhood tab.
class WindowScreenshot final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WindowScreenshot)
public:
    WindowScreenshot(TrayApplication *app, const QString &dir, int minNodes, QObject *parent = nullptr);
    ~WindowScreenshot() override;

    bool populated() const;

private:
    void check();
    void save();

    TrayApplication *m_app;
    QString m_dir;
    int m_minNodes;
    bool m_done = false;
};

} // namespace re6st::gui
