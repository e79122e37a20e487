// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "PageCall.h"

#include <QWizardPage>

class QLineEdit;

namespace re6st::gui {

// First page of EnrollWizard: the registry's URL. Leaving it fetches the CA (FetchCa,
// asynchronously); a failure stays on this page with the reason.
class EnrollRegistryPage final : public QWizardPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnrollRegistryPage)
public:
    explicit EnrollRegistryPage(QWidget *parent = nullptr);
    void initializePage() override;
    void cleanupPage() override;
    bool validatePage() override;
    bool isComplete() const override;

    QLineEdit *urlEdit() const { return m_url; }
    QString error() const { return m_call.error(); }
    bool busy() const { return m_call.pending(); }

private:
    QLineEdit *m_url;
    PageCall m_call;
};

} // namespace re6st::gui
