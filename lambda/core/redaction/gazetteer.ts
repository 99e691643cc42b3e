/** Proper nouns that are not people, and the mark stripping shared by the lexicon and its generator. */

const slowStrip = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '');
/** Latin-1 Supplement and Latin Extended-A/B, stripped once: normalising per lookup is the costly part. */
const LATIN_FROM = 0xc0;
const LATIN = Array.from({ length: 0x250 - LATIN_FROM }, (_, k) => slowStrip(String.fromCharCode(LATIN_FROM + k)));
/** The word without combining marks ("józsef" → "jozsef"), as NFD then dropping \p{M}. */
export function stripMarks(s: string): string {
  let out = '';
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < LATIN_FROM) out += s[k];
    else if (c < 0x250) out += LATIN[c - LATIN_FROM];
    else return slowStrip(s);
  }
  return out;
}

/** Capitalised words that are not people: calendar, places, languages, organisations, address parts. */
export const NOT_NAMES: readonly string[] = (
  'january february march april may june july august september october november december monday tuesday wednesday ' +
  'thursday friday saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun ' +
  'afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas bahrain bangladesh ' +
  'barbados belarus belgium belize benin bhutan bolivia bosnia botswana brazil brunei bulgaria burundi cambodia cameroon ' +
  'canada chad chile china colombia congo croatia cuba cyprus czech czechia denmark djibouti dominica ecuador egypt ' +
  'eritrea estonia eswatini ethiopia fiji finland france gabon gambia georgia germany ghana greece grenada guatemala ' +
  'guinea guyana haiti honduras hungary iceland india indonesia iran iraq ireland israel italy jamaica japan jordan ' +
  'kazakhstan kenya kiribati korea kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya liechtenstein ' +
  'lithuania luxembourg madagascar malawi malaysia maldives mali malta mauritania mauritius mexico micronesia moldova ' +
  'monaco mongolia montenegro morocco mozambique myanmar namibia nauru nepal netherlands nicaragua niger nigeria norway ' +
  'oman pakistan palau palestine panama paraguay peru philippines poland portugal qatar romania russia rwanda samoa ' +
  'senegal serbia seychelles singapore slovakia slovenia somalia spain sudan suriname sweden switzerland syria taiwan ' +
  'tajikistan tanzania thailand togo tonga trinidad tunisia turkey turkmenistan tuvalu uganda ukraine uruguay ' +
  'uzbekistan vanuatu vatican venezuela vietnam yemen zambia zimbabwe england scotland wales britain europe asia africa ' +
  'america antarctica oceania caribbean scandinavia usa uk eu ' +
  'american british english french german spanish italian portuguese dutch swedish norwegian danish finnish polish ' +
  'czech slovak hungarian romanian bulgarian greek turkish russian ukrainian chinese japanese korean indian arabic ' +
  'hebrew persian african european asian latin irish scottish welsh canadian mexican brazilian australian icelandic ' +
  'london paris berlin madrid rome vienna prague budapest warsaw moscow tokyo beijing toronto vancouver montreal sydney ' +
  'melbourne chicago boston seattle dallas houston denver atlanta miami phoenix detroit nicosia helsinki oslo stockholm ' +
  'copenhagen dublin lisbon athens amsterdam brussels zurich geneva munich hamburg milan naples florence venice ' +
  'barcelona valencia seville reykjavik tallinn riga vilnius kyiv kiev minsk belgrade zagreb sarajevo ljubljana ' +
  'bratislava bucharest sofia ankara istanbul cairo delhi mumbai shanghai osaka seoul bangkok jakarta manila ' +
  'york jersey california texas florida ohio virginia carolina dakota washington oregon nevada arizona utah colorado ' +
  'kansas missouri iowa illinois indiana michigan wisconsin minnesota kentucky tennessee alabama mississippi louisiana ' +
  'arkansas oklahoma montana wyoming idaho alaska hawaii maine vermont massachusetts connecticut delaware maryland ' +
  'pennsylvania ontario quebec alberta manitoba ' +
  'inc ltd llc plc corp gmbh co company corporation group bank university college school hospital clinic ' +
  'street st avenue ave road rd boulevard blvd lane ln drive dr court ct apt suite unit box po apo fpo dpo ' +
  'google microsoft amazon apple facebook salesforce hubspot linkedin twitter youtube netflix tesla ' +
  'christmas easter halloween thanksgiving ramadan hanukkah labor ' +
  'bot user agent admin fax desk office mobile ip email tel phone web www http https'
).split(' ');
