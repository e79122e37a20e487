// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QDBusMetaType>
#include <QMap>
#include <QString>
#include <QVariantMap>

// NetworkManager's connection settings, a{sa{sv}}: setting name -> property -> value.
// Global because the proxies generated from dbus/nm/*.xml name it (annotation
// org.qtproject.QtDBus.QtTypeName = NMVariantMapMap, as networkmanager-qt spells it).
using NMVariantMapMap = QMap<QString, QVariantMap>;

namespace re6st::daemon {
// NetworkManager's D-Bus names and the constants we use from its API (NM 1.42,
// dbus/nm/*.xml; enum values from NetworkManager's nm-dbus-interface.h documentation).
namespace nm {
inline constexpr const char *kService = "org.freedesktop.NetworkManager";
inline constexpr const char *kPath = "/org/freedesktop/NetworkManager";
inline constexpr const char *kSettingsPath = "/org/freedesktop/NetworkManager/Settings";
inline constexpr const char *kInterface = "org.freedesktop.NetworkManager";
inline constexpr const char *kDeviceInterface = "org.freedesktop.NetworkManager.Device";
inline constexpr const char *kActiveInterface = "org.freedesktop.NetworkManager.Connection.Active";
inline constexpr const char *kConnectionInterface = "org.freedesktop.NetworkManager.Settings.Connection";
// NMDeviceState
inline constexpr uint kDeviceStateUnknown = 0;
inline constexpr uint kDeviceStateUnmanaged = 10;
inline constexpr uint kDeviceStateActivated = 100;
// NMSettingsUpdate2Flags
inline constexpr uint kUpdate2ToDisk = 0x1;

inline void registerTypes()
{
    qDBusRegisterMetaType<NMVariantMapMap>();
    qDBusRegisterMetaType<QList<QVariantMap>>();
}
} // namespace nm
} // namespace re6st::daemon
