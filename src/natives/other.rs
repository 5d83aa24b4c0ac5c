//! Services without a REST mapping in dlg: their tasks are known by name
//! (for `dlg builtins`, completion and did-you-mean) and run only from
//! task-level fixtures (`[[task]]` in the mock file).

use super::{Service, TaskCall, TaskDef, task};
use crate::eval::{Interpreter, RtError, RtResult};
use crate::value::Value;

const SIG: &str = "(…) → as documented on Zoho's help page; runs from a [[task]] fixture";

const fn fx(path: &'static str) -> TaskDef {
    task(path, 0, 12, None, fixture_only, SIG)
}

fn fixture_only(_interp: &mut Interpreter, call: &mut TaskCall) -> RtResult<Value> {
    Err(RtError::unsupported(format!(
        "{} has no REST mapping in dlg: it runs only from a task-level fixture",
        call.path
    ))
    .with_help(format!(
        "add to the --mock file:\n[[task]]\nname = \"{}\"\nreturns = {{ … }}   # or returns_file = \"answer.json\"",
        call.def.path
    )))
}

pub static DESK: Service = Service {
    name: "desk",
    title: "Zoho Desk",
    rest: false,
    tasks: &[
        fx("zoho.desk.getRecords"),
        fx("zoho.desk.getRecordById"),
        fx("zoho.desk.searchRecords"),
        fx("zoho.desk.create"),
        fx("zoho.desk.update"),
        fx("zoho.desk.getRelatedRecords"),
        fx("zoho.desk.updateRelatedRecord"),
        fx("zoho.desk.attachFile"),
    ],
};

pub static PROJECTS: Service = Service {
    name: "projects",
    title: "Zoho Projects",
    rest: false,
    tasks: &[
        fx("zoho.projects.getRecords"),
        fx("zoho.projects.getRecordById"),
        fx("zoho.projects.create"),
        fx("zoho.projects.update"),
        fx("zoho.projects.getProjects"),
        fx("zoho.projects.getProjectDetails"),
    ],
};

pub static PEOPLE: Service = Service {
    name: "people",
    title: "Zoho People",
    rest: false,
    tasks: &[
        fx("zoho.people.getRecords"),
        fx("zoho.people.getRecordByID"),
        fx("zoho.people.create"),
        fx("zoho.people.update"),
        fx("zoho.people.searchRecords"),
    ],
};

pub static RECRUIT: Service = Service {
    name: "recruit",
    title: "Zoho Recruit",
    rest: false,
    tasks: &[
        fx("zoho.recruit.getRecords"),
        fx("zoho.recruit.getRecordById"),
        fx("zoho.recruit.searchRecords"),
        fx("zoho.recruit.create"),
        fx("zoho.recruit.update"),
        fx("zoho.recruit.getRelatedRecords"),
        fx("zoho.recruit.associate"),
    ],
};

pub static WRITER: Service = Service {
    name: "writer",
    title: "Zoho Writer",
    rest: false,
    tasks: &[
        fx("zoho.writer.mergeAndStore"),
        fx("zoho.writer.mergeAndSend"),
        fx("zoho.writer.mergeAndDownload"),
        fx("zoho.writer.mergeAndSign"),
    ],
};

pub static INVENTORY: Service = Service {
    name: "inventory",
    title: "Zoho Inventory",
    rest: false,
    tasks: &[
        fx("zoho.inventory.getRecords"),
        fx("zoho.inventory.getRecordsByID"),
        fx("zoho.inventory.createRecord"),
        fx("zoho.inventory.updateRecord"),
        fx("zoho.inventory.markStatus"),
        fx("zoho.inventory.getOrganization"),
    ],
};

pub static SIGN: Service = Service {
    name: "sign",
    title: "Zoho Sign",
    rest: false,
    tasks: &[
        fx("zoho.sign.createDocument"),
        fx("zoho.sign.getDocuments"),
        fx("zoho.sign.getDocumentById"),
        fx("zoho.sign.getTemplates"),
        fx("zoho.sign.sendForSignature"),
        fx("zoho.sign.downloadDocument"),
    ],
};

pub static CLIQ: Service = Service {
    name: "cliq",
    title: "Zoho Cliq",
    rest: false,
    tasks: &[
        fx("zoho.cliq.postToChannel"),
        fx("zoho.cliq.postToUser"),
        fx("zoho.cliq.postToChat"),
        fx("zoho.cliq.postToBot"),
        fx("zoho.cliq.postToChannelAsBot"),
    ],
};

pub static BIGIN: Service = Service {
    name: "bigin",
    title: "Bigin",
    rest: false,
    tasks: &[
        fx("zoho.bigin.getRecords"),
        fx("zoho.bigin.getRecordById"),
        fx("zoho.bigin.createRecord"),
        fx("zoho.bigin.updateRecord"),
        fx("zoho.bigin.searchRecords"),
    ],
};

pub static CAMPAIGNS: Service = Service {
    name: "campaigns",
    title: "Zoho Campaigns",
    rest: false,
    tasks: &[
        fx("zoho.campaigns.addContact"),
        fx("zoho.campaigns.getRecords"),
    ],
};

pub static SHEET: Service = Service {
    name: "sheet",
    title: "Zoho Sheet",
    rest: false,
    tasks: &[
        fx("zoho.sheet.getRecords"),
        fx("zoho.sheet.createRecords"),
        fx("zoho.sheet.updateRecords"),
        fx("zoho.sheet.deleteRecords"),
    ],
};

pub static WORKDRIVE: Service = Service {
    name: "workdrive",
    title: "Zoho WorkDrive",
    rest: false,
    tasks: &[
        fx("zoho.workdrive.uploadFile"),
        fx("zoho.workdrive.downloadFile"),
        fx("zoho.workdrive.createFolder"),
        fx("zoho.workdrive.getFileDetails"),
    ],
};

pub static MAIL: Service = Service {
    name: "mail",
    title: "Zoho Mail",
    rest: false,
    tasks: &[],
};

pub static SUBSCRIPTIONS: Service = Service {
    name: "subscriptions",
    title: "Zoho Subscriptions",
    rest: false,
    tasks: &[
        fx("zoho.subscriptions.getRecords"),
        fx("zoho.subscriptions.getRecordsByID"),
        fx("zoho.subscriptions.createRecord"),
        fx("zoho.subscriptions.updateRecord"),
    ],
};

pub static BILLING: Service = Service {
    name: "billing",
    title: "Zoho Billing",
    rest: false,
    tasks: &[
        fx("zoho.billing.getRecords"),
        fx("zoho.billing.getRecordsByID"),
        fx("zoho.billing.createRecord"),
        fx("zoho.billing.updateRecord"),
    ],
};

pub static INVOICE: Service = Service {
    name: "invoice",
    title: "Zoho Invoice",
    rest: false,
    tasks: &[
        fx("zoho.invoice.getRecords"),
        fx("zoho.invoice.getRecordsByID"),
        fx("zoho.invoice.createRecord"),
        fx("zoho.invoice.updateRecord"),
    ],
};

pub static EXPENSE: Service = Service {
    name: "expense",
    title: "Zoho Expense",
    rest: false,
    tasks: &[
        fx("zoho.expense.getRecords"),
        fx("zoho.expense.getRecordsByID"),
        fx("zoho.expense.createRecord"),
        fx("zoho.expense.updateRecord"),
    ],
};

pub static SALESIQ: Service = Service {
    name: "salesiq",
    title: "Zoho SalesIQ",
    rest: false,
    tasks: &[],
};

pub static SURVEY: Service = Service {
    name: "survey",
    title: "Zoho Survey",
    rest: false,
    tasks: &[],
};

pub static ANALYTICS: Service = Service {
    name: "analytics",
    title: "Zoho Analytics",
    rest: false,
    tasks: &[],
};
