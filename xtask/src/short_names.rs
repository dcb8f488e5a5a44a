//! Type names a person would write.
//!
//! progenitor and typify name an inline enum after its parent and field
//! (`ListCallLogsCallType`, `HumanHandOverDetailsHandoverType`). Named schemas are renamed in
//! the specs themselves (their names are not on the wire); the inline enums of parameters and
//! fields are renamed here, after generation, so the specs keep the vendor's shape.

use std::collections::BTreeMap;

use syn::visit_mut::VisitMut;

/// `(generated name, short name)` of each client, by spec file name.
pub(crate) const RENAMES: &[(&str, &[(&str, &str)])] = &[
    (
        "voice-ai.yaml",
        &[
            ("ListCallLogsCallType", "CallType"),
            ("ListCallLogsSort", "SortOrder"),
            ("ListCallLogsSortBy", "CallLogSortBy"),
            ("ListCallLogsActionType", "ActionTypeList"),
            ("CallTransferParametersTransferToType", "TransferToType"),
            ("CustomActionApiDetailsMethod", "HttpMethod"),
            ("WorkingHoursDayOfTheWeek", "DayOfWeek"),
        ],
    ),
    (
        "conversation-ai.yaml",
        &[
            ("AdvancedFollowupDetailsScenarioId", "FollowupScenario"),
            ("FollowupSettingsTimezoneToUse", "TimezoneToUse"),
            ("HumanHandOverDetailsHandoverType", "HandoverType"),
            ("StopBotDetailsStopBotDetectionType", "StopBotDetectionType"),
            ("TransferBotDetailsTransferBotType", "TransferBotType"),
        ],
    ),
];

/// The name the client of `spec_file` gives the type typify calls `generated`.
#[allow(dead_code)] // for readers of the generated surface, such as the API report
pub(crate) fn short_name<'a>(spec_file: &str, generated: &'a str) -> &'a str {
    RENAMES
        .iter()
        .filter(|(spec, _)| *spec == spec_file)
        .flat_map(|(_, pairs)| pairs.iter())
        .find(|(old, _)| *old == generated)
        .map_or(generated, |(_, new)| new)
}

/// Renames the generated types of the client of `spec_file`. Fails when a generated name is
/// missing (the table is stale) or a short name is already taken.
pub(crate) fn apply(file: &mut syn::File, spec_file: &str) -> anyhow::Result<()> {
    let renames: BTreeMap<&str, &str> = RENAMES
        .iter()
        .filter(|(spec, _)| *spec == spec_file)
        .flat_map(|(_, pairs)| pairs.iter().copied())
        .collect();
    let mut seen = Seen::default();
    seen.visit_file_mut(file);
    for (old, new) in &renames {
        if !seen.0.contains_key(*old) {
            // Only a table entry whose type the spec no longer produces.
            anyhow::bail!("short_names: the generated code has no type `{old}`");
        }
        if seen.0.contains_key(*new) {
            anyhow::bail!("short_names: `{new}` (for `{old}`) is already a generated name");
        }
    }
    Rename(&renames).visit_file_mut(file);
    Ok(())
}

/// Every type name the file declares (struct, enum, type alias).
#[derive(Default)]
struct Seen(BTreeMap<String, ()>);

impl VisitMut for Seen {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        self.0.insert(item.ident.to_string(), ());
        syn::visit_mut::visit_item_struct_mut(self, item);
    }
    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        self.0.insert(item.ident.to_string(), ());
        syn::visit_mut::visit_item_enum_mut(self, item);
    }
    fn visit_item_type_mut(&mut self, item: &mut syn::ItemType) {
        self.0.insert(item.ident.to_string(), ());
        syn::visit_mut::visit_item_type_mut(self, item);
    }
}

struct Rename<'a>(&'a BTreeMap<&'a str, &'a str>);

impl VisitMut for Rename<'_> {
    fn visit_ident_mut(&mut self, ident: &mut syn::Ident) {
        if let Some(new) = self.0.get(ident.to_string().as_str()) {
            *ident = syn::Ident::new(new, ident.span());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_table_entry_the_code_does_not_declare_is_an_error() {
        let mut file: syn::File = syn::parse_quote! {
            pub struct ListCallLogsCallType;
        };
        let error = super::apply(&mut file, "voice-ai.yaml").expect_err("the table is stale here");
        assert!(error.to_string().contains("no type `"), "{error}");
    }

    #[test]
    fn renames_reach_every_use_of_the_type() {
        let mut file: syn::File = syn::parse_quote! {
            pub enum AdvancedFollowupDetailsScenarioId { A }
            pub enum FollowupSettingsTimezoneToUse { A }
            pub enum HumanHandOverDetailsHandoverType { A }
            pub enum StopBotDetailsStopBotDetectionType { A }
            pub enum TransferBotDetailsTransferBotType { A }
            pub struct Details { pub handover: HumanHandOverDetailsHandoverType }
            impl From<HumanHandOverDetailsHandoverType> for Details {
                fn from(handover: HumanHandOverDetailsHandoverType) -> Self { Self { handover } }
            }
        };
        super::apply(&mut file, "conversation-ai.yaml").expect("the names exist");
        let text = quote::quote!(#file).to_string();
        assert!(!text.contains("HumanHandOverDetailsHandoverType"), "{text}");
        assert_eq!(text.matches("HandoverType").count(), 4, "{text}");
    }
}
