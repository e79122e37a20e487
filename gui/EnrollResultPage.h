// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QWizardPage>

class QLabel;

namespace re6st::gui {

// Last page of EnrollWizard: what the daemon obtained (prefix, subnet, address, validity,
// renewal date) and the advice to back up the private key.
class EnrollResultPage final : public QWizardPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnrollResultPage)
public:
    explicit EnrollResultPage(QWidget *parent = nullptr);
    void initializePage() override;

    QString text(const QString &name) const; // "prefix", "subnet", "address", "validity", "renewal", "backup"

private:
    QLabel *addRow(const QString &name, const QString &label);
};

} // namespace re6st::gui
