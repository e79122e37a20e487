// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/DoctorFinding.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace re6st::ctl {

// `re6stctl doctor` output (pure): one block per check, the fix of every check that
// is not ok, then a count. --json: {"source", "problems", "findings": [...]}.
class DoctorReport final
{
public:
    static QString text(const QList<doctor::DoctorFinding> &findings, const QString &source);
    static QByteArray json(const QList<doctor::DoctorFinding> &findings, const QString &source);
};

} // namespace re6st::ctl
