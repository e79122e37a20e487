// SPDX-License-Identifier: GPL-2.0-or-later
#include "WindowRefresh.h"

#include <QEvent>
#include <QWidget>

namespace re6st::gui {

WindowRefresh::WindowRefresh(QWidget *window) : QObject(window), m_window(window)
{
    m_timer.setInterval(kInterval);
    connect(&m_timer, &QTimer::timeout, this, &WindowRefresh::due);
    window->installEventFilter(this);
    follow();
}

WindowRefresh::~WindowRefresh() = default;

bool WindowRefresh::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_window
        && (event->type() == QEvent::Show || event->type() == QEvent::Hide
            || event->type() == QEvent::WindowStateChange))
        follow();
    return QObject::eventFilter(watched, event);
}

void WindowRefresh::follow()
{
    const bool onScreen = m_window->isVisible() && !m_window->isMinimized();
    if (onScreen == m_timer.isActive())
        return;
    if (!onScreen) {
        m_timer.stop();
        return;
    }
    m_timer.start();
    Q_EMIT due(); // what was shown while hidden may be old
}

} // namespace re6st::gui
