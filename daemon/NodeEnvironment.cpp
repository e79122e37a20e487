// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/NodeEnvironment.h"

#include "daemon/NodeIdentity.h"

namespace re6st::daemon {

NodeEnvironment::Variables NodeEnvironment::variables(const QString &mainInterface, const QString &ip,
                                                      const QString &subnet, const QString &network)
{
    return {
        {QStringLiteral("re6stnet_iface"), mainInterface},
        {QStringLiteral("re6stnet_ip"), ip},
        {QStringLiteral("re6stnet_subnet"), subnet},
        {QStringLiteral("re6stnet_network"), network},
    };
}

NodeEnvironment::Variables NodeEnvironment::variables(const QString &mainInterface, const NodeIdentity &identity)
{
    return variables(mainInterface, identity.ip, identity.subnet, identity.networkCidr);
}

QProcessEnvironment NodeEnvironment::apply(QProcessEnvironment base, const Variables &variables)
{
    for (const auto &[name, value] : variables) base.insert(name, value);
    return base;
}

} // namespace re6st::daemon
