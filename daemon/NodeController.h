// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/Addressing.h"

#include <QString>
#include <QVariantList>
#include <QVariantMap>
#include <functional>

namespace re6st::daemon {

// What the D-Bus actions of dbus/org.re6st.Node1.xml and org.re6st.Enrollment1.xml
// do, once polkit has authorized the caller. DBusService calls it; NodeService
// implements it. Every action answers exactly once through its Done callback.
class NodeController
{
public:
    struct Reply
    {
        QString error;       // D-Bus error name (org.re6st.Error.*); empty = success
        QString message;     // English: what happened and what to do next
        QVariantList values; // out arguments on success, in D-Bus order
        static Reply ok(QVariantList values = {}) { return {{}, {}, std::move(values)}; }
        static Reply fail(const char *error, const QString &message)
        {
            return {QString::fromLatin1(error), message, {}};
        }
    };
    using Done = std::function<void(const Reply &)>;
    // AddNeighbour/RemoveNeighbour's argument: a prefix in CN form, or why not (checked
    // by DBusService before polkit asks for a password, and by NodeService).
    static QString prefixError(const QString &prefix)
    {
        const auto bits = addressing::bitsFromCn(prefix);
        if (bits && !bits->isEmpty()) return {};
        return QStringLiteral("'%1' is not a prefix in CN form (<number>/<length>, e.g. 3/16)").arg(prefix.left(100));
    }
    // Enrollment progress: step name of the contract and a sentence.
    using Progress = std::function<void(const QString &step, const QString &detail)>;

    virtual ~NodeController() = default;

    virtual void start(Done done) = 0;
    virtual void stop(Done done) = 0;
    virtual void reloadConfig(Done done) = 0;
    virtual void killTunnel(const QString &tunnel, Done done) = 0;
    virtual void addNeighbour(const QString &prefix, Done done) = 0;
    virtual void removeNeighbour(const QString &prefix, Done done) = 0;

    virtual void fetchCa(const QString &registry, Done done) = 0; // values: fingerprint, details
    virtual void requestToken(const QString &registry, const QString &fingerprint, const QString &email,
                              Progress progress, Done done) = 0;
    virtual void enroll(const QString &registry, const QString &fingerprint, const QString &token,
                        const QVariantMap &options, Progress progress, Done done) = 0; // values: result
};

} // namespace re6st::daemon
