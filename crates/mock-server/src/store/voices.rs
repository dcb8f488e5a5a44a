//! The voices catalog: a read-only, seeded list of voices (the vendor's voices endpoints are not
//! public; see the README and API_FACTS §7).
//!
//! Eight hand-written voices come first (the first one is every new agent's default voice),
//! followed by eight generated voices for each of the spec's `VoiceAiLanguage` values: names
//! from `fake`'s locale name lists, accents, genders, categories and descriptions drawn from
//! per-language lists, ids of 20 alphanumeric characters and a preview URL per id. The same
//! seed gives the same catalog.

use fake::Fake;
use fake::faker::name::{de_de, en, fr_fr, it_it, nl_nl, pt_br};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::{Store, StoreError};
use crate::pagination::page_of;

/// The spec's `VoiceAiLanguage` values.
const LANGUAGES: [&str; 8] = ["en-US", "pt-BR", "es", "fr", "de", "it", "nl-NL", "multi"];
/// Generated voices per language.
const PER_LANGUAGE: usize = 8;

const STYLES: [&str; 10] = [
    "Warm and professional",
    "Calm and clear",
    "Bright and friendly",
    "Relaxed and natural",
    "Energetic and upbeat",
    "Polite and measured",
    "Crisp and precise",
    "Soft and reassuring",
    "Confident and direct",
    "Cheerful and expressive",
];
const USES: [&str; 6] = [
    "good for receptionists",
    "good for support lines",
    "good for sales calls",
    "good for appointment booking",
    "good for long explanations",
    "good for short announcements",
];
const CATEGORIES: [&str; 3] = ["high_quality", "premium", "standard"];

fn accents(language: &str) -> &'static [&'static str] {
    match language {
        "en-US" => &["American", "Southern American", "New York", "Californian"],
        "pt-BR" => &["Brazilian", "Paulista", "Carioca"],
        "es" => &["Castilian", "Mexican", "Argentinian", "Colombian"],
        "fr" => &["Parisian", "Canadian French", "Belgian French"],
        "de" => &["Standard German", "Austrian", "Swiss German"],
        "it" => &["Standard Italian", "Roman", "Milanese"],
        "nl-NL" => &["Dutch", "Flemish"],
        _ => &["Neutral", "International"],
    }
}

const SPANISH_NAMES: [&str; 12] = [
    "Lucía",
    "Mateo",
    "Sofía",
    "Santiago",
    "Valentina",
    "Diego",
    "Camila",
    "Alejandro",
    "Elena",
    "Javier",
    "Martina",
    "Pablo",
];

fn first_name(language: &str, rng: &mut ChaCha8Rng) -> String {
    match language {
        "pt-BR" => pt_br::FirstName().fake_with_rng(rng),
        "es" => SPANISH_NAMES[(rng.next_u32() as usize) % SPANISH_NAMES.len()].to_owned(),
        "fr" => fr_fr::FirstName().fake_with_rng(rng),
        "de" => de_de::FirstName().fake_with_rng(rng),
        "it" => it_it::FirstName().fake_with_rng(rng),
        "nl-NL" => nl_nl::FirstName().fake_with_rng(rng),
        _ => en::FirstName().fake_with_rng(rng),
    }
}

#[allow(clippy::too_many_arguments)]
fn voice(
    voice_id: String,
    name: &str,
    language: &str,
    gender: &str,
    accent: &str,
    recommended: bool,
    description: &str,
    category: &str,
) -> Value {
    json!({
        "voiceId": voice_id,
        "name": name,
        "previewUrl": format!("https://storage.example.com/voices/{voice_id}.mp3"),
        "recommended": recommended,
        "multilingual": language == "multi",
        "language": language,
        "description": description,
        "accent": accent,
        "category": category,
        "gender": gender,
    })
}

/// The seeded catalog: 8 fixed voices, then 8 generated ones per language (72 in all).
pub(crate) fn voice_catalog(seed: u64) -> Vec<Value> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x766f_6963_6573);
    let fixed = [
        (
            "Ava",
            "en-US",
            "female",
            "American",
            true,
            "Warm and professional, good for receptionists",
        ),
        (
            "Liam",
            "en-US",
            "male",
            "American",
            true,
            "Calm and clear, good for support lines",
        ),
        (
            "Olivia",
            "en-US",
            "female",
            "British",
            false,
            "Bright and friendly",
        ),
        (
            "Lucas",
            "pt-BR",
            "male",
            "Brazilian",
            false,
            "Relaxed and natural",
        ),
        (
            "Sofia",
            "es",
            "female",
            "Castilian",
            false,
            "Energetic sales voice",
        ),
        (
            "Hugo",
            "fr",
            "male",
            "Parisian",
            false,
            "Polite and measured",
        ),
        (
            "Mia",
            "de",
            "female",
            "Standard German",
            false,
            "Crisp and precise",
        ),
        (
            "Nova",
            "multi",
            "female",
            "Neutral",
            true,
            "Multilingual voice",
        ),
    ];
    let mut out: Vec<Value> = fixed
        .iter()
        .map(
            |(name, language, gender, accent, recommended, description)| {
                let id = super::alnum(&mut rng, 20);
                let category = if *recommended { "premium" } else { "standard" };
                voice(
                    id,
                    name,
                    language,
                    gender,
                    accent,
                    *recommended,
                    description,
                    category,
                )
            },
        )
        .collect();
    for language in LANGUAGES {
        for _ in 0..PER_LANGUAGE {
            let id = super::alnum(&mut rng, 20);
            let name = first_name(language, &mut rng);
            let pick = |rng: &mut ChaCha8Rng, n: usize| (rng.next_u32() as usize) % n;
            let gender = if pick(&mut rng, 2) == 0 {
                "female"
            } else {
                "male"
            };
            let list = accents(language);
            let accent = list[pick(&mut rng, list.len())];
            let description = format!(
                "{}, {}",
                STYLES[pick(&mut rng, STYLES.len())],
                USES[pick(&mut rng, USES.len())]
            );
            let category = CATEGORIES[pick(&mut rng, CATEGORIES.len())];
            let recommended = pick(&mut rng, 4) == 0;
            out.push(voice(
                id,
                &name,
                language,
                gender,
                accent,
                recommended,
                &description,
                category,
            ));
        }
    }
    out
}

impl Store {
    /// One page of the voices catalog, optionally of one language, and the number matching.
    /// ```
    /// use mock_server::Store;
    /// // Arrange
    /// let store = Store::new(1);
    /// // Act
    /// let (total, voices) = store.voice_list_voices(Some("en-US"), 1, 2);
    /// // Assert
    /// assert_eq!(total, 11);
    /// assert_eq!(voices.len(), 2);
    /// ```
    pub fn voice_list_voices(
        &self,
        language: Option<&str>,
        page: u64,
        page_size: u64,
    ) -> (usize, Vec<Value>) {
        let matching: Vec<&Value> = self
            .voices
            .iter()
            .filter(|v| {
                language.is_none_or(|l| v.get("language").and_then(Value::as_str) == Some(l))
            })
            .collect();
        let total = matching.len();
        (
            total,
            page_of(matching, page, page_size)
                .into_iter()
                .cloned()
                .collect(),
        )
    }

    /// One voice of the catalog.
    /// ```
    /// use mock_server::Store;
    /// // Arrange
    /// let store = Store::new(1);
    /// let (_, voices) = store.voice_list_voices(None, 1, 1);
    /// let id = voices[0]["voiceId"].as_str().expect("an id");
    /// // Act
    /// let voice = store.voice_get_voice(id).expect("in the catalog");
    /// // Assert
    /// assert_eq!(voice["name"], voices[0]["name"]);
    /// ```
    pub fn voice_get_voice(&self, voice_id: &str) -> Result<Value, StoreError> {
        self.voices
            .iter()
            .find(|v| v.get("voiceId").and_then(Value::as_str) == Some(voice_id))
            .cloned()
            .ok_or_else(|| StoreError::VoiceNotFound(voice_id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_is_deterministic_and_covers_every_language() {
        let catalog = voice_catalog(5);
        assert_eq!(catalog, voice_catalog(5));
        assert_eq!(catalog.len(), 8 + LANGUAGES.len() * PER_LANGUAGE);
        for language in LANGUAGES {
            assert!(catalog.iter().filter(|v| v["language"] == language).count() >= PER_LANGUAGE);
        }
        let mut ids: Vec<&str> = catalog
            .iter()
            .filter_map(|v| v["voiceId"].as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), catalog.len());
    }
}
