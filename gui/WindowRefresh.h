// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QObject>
#include <QTimer>

class QWidget;

namespace re6st::gui {

// Asks for a refresh (due()) every few seconds while `window` is on screen: at once
// when it is shown or restored, then every kInterval. The daemon raises no signal for
// byte counters, last_seen or rtt_ms (dbus/org.re6st.Node1.xml), so the open window
// must ask for them; hidden or minimised it asks nothing, and the tray stays idle.
class WindowRefresh final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WindowRefresh)
public:
    static constexpr int kInterval = 5000; // ms
    explicit WindowRefresh(QWidget *window);
    ~WindowRefresh() override;

    bool isActive() const { return m_timer.isActive(); }

Q_SIGNALS:
    void due();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void follow();

    QWidget *m_window;
    QTimer m_timer;
};

} // namespace re6st::gui
