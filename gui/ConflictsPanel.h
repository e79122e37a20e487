// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QDBusConnection>
#include <QList>
#include <QVariantMap>
#include <QWidget>

class HostNetwork1Proxy;
class QDBusServiceWatcher;
class QLabel;
class QVBoxLayout;

namespace re6st::gui {

// NetworkManager connections whose IPv6 settings conflict with re6st (issue 6 §1), one
// row per connection with its problems and a "Fix" button calling FixConflict on
// org.re6st.HostNetwork1 (/org/re6st/HostNetwork, proxy generated from
// dbus/org.re6st.HostNetwork1.xml) with polkit's interactive authentication allowed.
// Self-contained: follows the daemon on `bus` (ConflictsChanged, PropertiesChanged,
// the daemon coming and going); errors are shown in the panel.
class ConflictsPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConflictsPanel)
public:
    explicit ConflictsPanel(const QDBusConnection &bus, QWidget *parent = nullptr);
    ~ConflictsPanel() override;

    // What the panel shows (for tests and for the window's tab title).
    QList<QVariantMap> conflicts() const { return m_conflicts; }
    QString statusText() const;
    QString errorText() const;

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    // The number of conflicting connections changed.
    void countChanged(int connections);

private Q_SLOTS:
    void onPropertiesChanged(const QString &interface, const QVariantMap &changed, const QStringList &invalidated);

private:
    void apply(const QVariantMap &properties);
    void setConflicts(const QList<QVariantMap> &conflicts);
    void rebuild();
    void fix(const QString &uuid, const QString &name);

    QDBusConnection m_bus;
    HostNetwork1Proxy *m_proxy = nullptr;
    QDBusServiceWatcher *m_watcher = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_error = nullptr;
    QVBoxLayout *m_rows = nullptr;
    QList<QVariantMap> m_conflicts;
    bool m_daemon = false;
    bool m_networkManager = false;
    QString m_busy; // UUID being fixed
};

} // namespace re6st::gui
