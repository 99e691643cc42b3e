/**
 * Prompt-injection rules, English and German. Each rule names a stable reason code and a
 * weight (its stand-alone likelihood of being an injection); the scorer combines the
 * strongest weight of each reason. Rules describe the techniques (override the earlier
 * instructions, swap the persona, address the AI, move data out, smuggle syntax), not
 * phrases from any evaluation set.
 *
 * Regexes here are linear: character classes under bounded or single quantifiers, no
 * quantified group that can match the same text two ways.
 */
import { Lex, SequenceOptions, Step, step } from './words';

export const REASONS = [
  'INSTRUCTION_OVERRIDE',
  'ROLE_PLAY',
  'ROLE_MARKER',
  'PROMPT_LEAK',
  'AGENT_ADDRESSED',
  'TOOL_CALL_SYNTAX',
  'DATA_EXFILTRATION',
  'PRIVILEGED_ACTION',
  'CONCEALMENT',
  'AUTHORITY_CLAIM',
  'ENCODED_PAYLOAD',
  'HIDDEN_TEXT',
  /** The learned model (model.ts) finds the text as a whole injection-like. */
  'CLASSIFIER',
] as const;
export type InjectionReason = (typeof REASONS)[number];

export interface WordRule {
  readonly reason: InjectionReason;
  readonly weight: number;
  readonly steps: readonly Step[];
  readonly opts?: SequenceOptions;
}

export interface PatternRule {
  readonly reason: InjectionReason;
  readonly weight: number;
  readonly re: RegExp;
}

// ---- word classes ----------------------------------------------------------------------
const NEGATION = new Lex("don't", 'dont', 'not', 'never', "didn't", "won't", 'nicht', 'nie', 'niemals', 'kein*');
const OVERRIDE = new Lex(
  'ignore', 'ignoring', 'ignored', 'disregard*', 'forget', 'forgets', 'forgot', 'forgetting', 'overlook', 'override',
  'overrides', 'bypass', 'skip', 'dismiss', 'discard', 'abandon', 'neglect', 'erase', 'drop',
  'ignorier*', 'vergiss', 'vergesst', 'vergessen', 'missacht*', 'übergeh*', 'verwirf', 'verwerfe*', 'überspring*',
  'abweichend', 'streichen',
  // Spanish, French, Italian, Portuguese, Russian, Croatian/Serbian: the same technique, translated.
  'olvida*', 'olvide*', 'ignora', 'ignore', 'ignorez', 'oublie*', 'oubliez', 'dimentica*', 'esqueça', 'esquece*',
  'забудь*', 'игнорируй*', 'zaboravi', 'zanemari', 'ignoriši',
);
const PRIOR = new Lex(
  'previous*', 'prior', 'above', 'preceding', 'earlier', 'foregoing', 'former', 'before', 'beforehand', 'original',
  'initial', 'existing', 'vorherig*', 'bisherig*', 'obig*', 'vorangehend*', 'vorangegangen*', 'davor', 'zuvor',
  'vorher', 'ursprünglich*', 'vorige*', 'oben',
);
const EVERYTHING = new Lex('everything', 'anything', 'alles', 'all', 'todo', 'todas', 'todos', 'tout', 'toutes', 'tutto', 'tutte', 'все', 'всё', 'sve');
const DIRECTIVE = new Lex(
  'instruction*', 'task*', 'assignment*', 'order*', 'rule*', 'prompt*', 'direction*', 'guideline*', 'command*',
  'directive*', 'constraint*', 'restriction*', 'polic*', 'context', 'programming', 'training', 'safeguard*',
  'anweisung*', 'aufgabe*', 'auftr*', 'befehl*', 'regel*', 'vorgabe*', 'richtlinie*', 'angaben', 'einschränkung*',
  'kontext', 'programmierung', 'instruktion*', 'article*', 'document*', 'artikel', 'dokument*', 'ausführungen',
  'informationen', 'instruc*', 'istruzion*', 'инструкци*', 'instrukcij*', 'règles', 'reglas',
);
/** What a person legitimately asks to be ignored: their own earlier message. */
const CORRESPONDENCE = new Lex(
  'email', 'e-mail', 'emails', 'mail', 'message', 'messages', 'note', 'invoice', 'version', 'quote', 'attachment', 'link',
  'reply', 'voicemail', 'letter', 'draft', 'post', 'reminder', 'notice', 'order', 'request', 'statement', 'bill',
  'nachricht', 'rechnung', 'anhang', 'angebot', 'entwurf', 'erinnerung', 'mahnung',
);
const FIRST_PERSON = new Lex('my', 'our', 'i', 'we', 'mine', 'meine', 'meinen', 'meiner', 'unsere', 'unseren', 'unserer', 'ich', 'wir');
const ACCORDING = new Lex('according', 'based', 'using', 'from', 'in', 'by', 'gemäß', 'anhand', 'aus', 'in', 'auf');
const SOURCES = new Lex('document*', 'article*', 'context', 'sources', 'provided', 'given', 'dokument*', 'artikel', 'kontext', 'quellen', 'text*');
const ANSWER = new Lex('answer', 'look', 'use', 'rely', 'respond', 'reply', 'consult', 'follow', 'antworte', 'antworten', 'nutze', 'verwende', 'beantworte');
const CHANGE = new Lex('change', 'replace', 'update', 'modify', 'rewrite', 'reset', 'ändere', 'ersetze', 'aktualisiere');
const DESPITE = new Lex('despite', 'regardless', 'notwithstanding', 'trotz', 'ungeachtet', 'unabhängig');
const TOLD = new Lex('told', 'instructed', 'programmed', 'trained', 'gesagt', 'angewiesen', 'programmiert', 'rules', 'instructions', 'wurde');
const COMPLETED = new Lex('done', 'enough', 'finished', 'complete', 'completed', 'over', 'erledigt', 'genug', 'genügt', 'fertig', 'vorbei', 'abgeschlossen');
const THAT_IS = new Lex('that', 'this', 'das', 'dies', "that's");
const PIVOT_TASK = new Lex('another', 'following', 'further', 'additional', 'other', 'weiteren', 'folgender', 'folgenden', 'nächsten', 'zusätzliche*');
const NEW = new Lex('new', 'next', 'different', 'updated', 'neue', 'neuen', 'neuer', 'nächste*', 'weitere*', 'andere*');
const TASK = new Lex('task*', 'instruction*', 'assignment*', 'challenge', 'order*', 'aufgabe*', 'anweisung*', 'auftr*', 'herausforderung', 'befehl*');
const FOLLOW = new Lex('follow', 'follows', 'folgen', 'folgt', 'begin', 'start', 'starts', 'beginnen', 'beginnt', 'starten');
const NOW = new Lex('now', 'jetzt', 'nun');
const FOCUS = new Lex('focus', 'concentrate', 'konzentriere', 'konzentrieren', 'konzentrier');
const FROM = new Lex('from', 'ab', 'von');
const ON = new Lex('on', 'an');

const YOU = new Lex('you', 'du', 'sie', 'ihr');
const YOU_ARE = new Lex('are', 'bist', 'sind', 'seid');
const ARE_YOU = new Lex('bist', 'sind');
const ACT = new Lex('act', 'behave', 'respond', 'answer', 'reply', 'fungier*', 'agier*', 'handel*', 'verhalte*');
const AS = new Lex('as', 'like', 'als', 'wie');
const PRETEND = new Lex('pretend', 'pretending', 'imagine', 'roleplay', 'simulate', 'stell', 'tu', 'tue');
const PRETEND_OBJ = new Lex('you', "you're", 'to', 'that', 'dir', 'so');
const STAY = new Lex('stay', 'stays', 'remain', 'remains', 'bleib*', 'fall', 'falling', 'break', 'breaking', 'fallen');
const ROLE = new Lex('role', 'roles', 'character', 'characters', 'persona', 'rolle', 'rollen', 'figur', 'charakter');
const JAILBREAK = new Lex('jailbreak*', 'jailbroken', 'dan', 'devmode', 'unfiltered', 'unrestricted', 'uncensored');
const MODE = new Lex('mode', 'modus');
const DEVELOPER = new Lex('developer', 'god', 'admin', 'debug', 'entwickler*', 'jailbreak', 'unrestricted', 'unfiltered');

const SHOW = new Lex(
  'show', 'reveal', 'print', 'output', 'display', 'repeat', 'tell', 'give', 'list', 'dump', 'leak', 'spell',
  'zeige', 'zeig', 'gib', 'verrate', 'wiederhole', 'nenne', 'ausgeben', 'drucke',
);
const YOUR = new Lex(
  'your', 'the', 'this', 'full', 'entire', 'complete', 'initial', 'original', 'hidden', 'secret', 'system', 'all',
  'dein', 'deine', 'deinen', 'deiner', 'den', 'die', 'das', 'gesamten', 'vollständigen', 'ganzen', 'alle', 'versteckten',
);
const PROMPT = new Lex('prompt', 'prompts', 'system', 'systemprompt*', 'pre', 'preprompt');
const PROMPT_TEXT = new Lex('text', 'texts', 'texte', 'textes', 'instructions', 'message', 'above', 'anweisungen');
const WRITTEN = new Lex('written', 'said', 'stated', 'stand', 'steht', 'geschrieben');
const BEGINNING = new Lex('beginning', 'start', 'top', 'anfang', 'beginn');

const AI = new Lex(
  'ai', 'a.i', 'llm', 'llms', 'gpt', 'chatgpt', 'claude', 'gemini', 'copilot', 'chatbot', 'ki', 'sprachmodell', 'genai',
);
const AGENTISH = new Lex(
  'assistant', 'assistants', 'agent', 'agents', 'bot', 'model', 'system', 'systems', 'processor', 'processors', 'reader',
  'parser', 'pipeline', 'assistent', 'assistentin', 'agenten', 'modell', 'systeme',
);
const AGENT_QUALIFIER = new Lex('ai', 'virtual', 'automated', 'autonomous', 'digital', 'language', 'crm', 'email', 'ki', 'virtuelle*', 'automatisierte*');
const VOCATIVE = new Lex('dear', 'hey', 'hello', 'hi', 'attention', 'note', 'notice', 'memo', 'liebe', 'lieber', 'hallo', 'achtung', 'hinweis', 'an');
const IF = new Lex('if', 'when', 'whoever', 'any', 'falls', 'wenn');
const READING = new Lex(
  'reading', 'reads', 'processing', 'processes', 'summarizing', 'summarising', 'summarizes', 'summarises', 'parsing',
  'parses', 'ingests', 'ingesting', 'handling', 'analyzing', 'analysing', 'reviewing', 'liest', 'verarbeitet', 'zusammenfasst',
);
const READ_BY = new Lex('read', 'processed', 'summarized', 'summarised', 'parsed', 'ingested', 'analyzed', 'analysed', 'seen', 'gelesen', 'verarbeitet');
const BY = new Lex('by', 'von', 'durch');
const WHICHEVER = new Lex('whichever', 'whoever', 'any', 'every', 'each', 'jedes', 'jeder', 'jede');
const TREAT = new Lex('treat', 'consider', 'regard', 'behandle', 'betrachte');
const ANY = new Lex('any', 'all', 'every', 'each', 'jede', 'jeder', 'alle');
const QUESTION = new Lex('question*', 'request*', 'query', 'queries', 'inquir*', 'enquir*', 'frage*', 'anfrage*');
const WITH = new Lex('with', 'mit');
const COLLECT = new Lex(
  'retrieve', 'gather', 'collect', 'compile', 'fetch', 'extract', 'harvest', 'list', 'read', 'look', 'pull', 'sammle',
  'sammeln', 'extrahiere', 'hole', 'liste', 'gib',
);
const NO_NEED = new Lex('no', 'without', 'ohne', 'nicht', "don't", 'dont', 'never', 'skip');
const VERIFY = new Lex('check*', 'verify*', 'confirm*', 'ask*', 'consult*', 'escalat*', 'approv*', 'review*', 'prüf*', 'rückfrage*', 'bestätig*', 'frag*');
const ANYONE = new Lex('anyone', 'anybody', 'approval', 'manager', 'supervisor', 'user', 'owner', 'team', 'niemand*', 'jemand*', 'freigabe', 'vorgesetzt*');
const SECURITY_CONTROL = new Lex(
  'approval', 'approvals', 'verification', 'mfa', '2fa', 'logging', 'audit*', 'security', 'review', 'check*', 'firewall',
  'monitoring', 'alert*', 'genehmigung*', 'freigabe*', 'prüfung*', 'protokollierung', 'sicherheit*',
);
const AUTHORISED = new Lex('authorised', 'authorized', 'approved', 'sanctioned', 'mandated', 'ordered', 'requested', 'genehmigt', 'autorisiert', 'angeordnet');
const AUTHORITY = new Lex(
  'management', 'admin', 'administrator', 'administrators', 'it', 'security', 'ceo', 'cfo', 'cto', 'leadership',
  'compliance', 'headquarters', 'geschäftsführung', 'geschäftsleitung', 'vorstand', 'it-abteilung',
);
const MUST = new Lex('must', 'should', 'shall', 'please', 'need', 'needs', 'is', 'are', 'muss', 'musst', 'soll', 'sollst', 'bitte');

const EXFIL = new Lex(
  'send', 'sends', 'forward', 'forwards', 'export', 'exports', 'email', 'e-mail', 'mail', 'upload', 'post', 'transfer',
  'share', 'copy', 'leak', 'exfiltrate', 'dump', 'paste', 'bcc', 'sync', 'push', 'submit', 'transmit', 'include', 'attach',
  'sende', 'senden', 'schicke', 'schick', 'schicken', 'leite', 'weiterleiten', 'exportiere', 'exportieren', 'übermittle',
  'übermitteln', 'übertrage', 'übertragen', 'kopiere', 'kopieren', 'lade', 'hochladen', 'teile', 'teilen',
);
const BULK = new Lex(
  'all', 'every', 'entire', 'whole', 'complete', 'full', 'each', 'any', 'alle', 'allen', 'aller', 'sämtliche*',
  'gesamte*', 'komplette*', 'vollständige*', 'jede*',
);
const DATA = new Lex(
  'contact*', 'customer*', 'client*', 'record*', 'lead*', 'account*', 'data', 'database*', 'email*', 'address*',
  'password*', 'credential*', 'key*', 'token*', 'secret*', 'conversation*', 'history', 'chat*', 'file*', 'ssn*',
  'card*', 'pii', 'phone*', 'user*', 'opportunit*', 'deal*', 'crm', 'information', 'details', 'kontakt*', 'kunde*',
  'kunden*', 'daten*', 'passw*', 'zugangsdaten', 'konten', 'benutzer*', 'adressen', 'telefonnummern',
);
const SECRET = new Lex('password*', 'credential*', 'api', 'token*', 'secret*', 'ssn*', 'passw*', 'zugangsdaten', 'private');
const DESTROY = new Lex('delete', 'remove', 'erase', 'wipe', 'purge', 'truncate', 'deactivate', 'disable', 'lösche', 'löschen', 'entferne', 'entfernen', 'deaktiviere');
const GRANT = new Lex('grant', 'give', 'assign', 'elevate', 'promote', 'add', 'make', 'gewähre', 'erteile', 'vergib', 'mache');
const PRIVILEGE = new Lex('admin*', 'administrator*', 'superuser', 'root', 'owner', 'privilege*', 'permission*', 'rechte', 'berechtigung*', 'adminrechte');
const CONCEAL_VERB = new Lex('tell', 'mention', 'inform', 'notify', 'alert', 'reveal', 'disclose', 'show', 'log', 'report', 'flag', 'erwähne', 'erwähnen', 'informiere', 'informieren', 'sage', 'sagen', 'verrate');
const THE_USER = new Lex(
  'user', 'users', 'human', 'customer', 'anyone', 'operator', 'reviewer', 'change', 'changes', 'step', 'benutzer', 'nutzer',
  'kunden', 'niemandem', 'änderung',
);
const SECRETLY = new Lex('secretly', 'silently', 'quietly', 'covertly', 'unnoticed', 'heimlich', 'unbemerkt', 'stillschweigend');
const WITHOUT = new Lex('without', 'ohne');
const TELLING = new Lex('telling', 'informing', 'notifying', 'mentioning', 'alerting', 'asking', 'confirmation', 'approval', 'zu');

// ---- rules -----------------------------------------------------------------------------
/** "Please disregard my previous email" is a person correcting themselves, not an override. */
const PERSONAL_CORRECTION: SequenceOptions = { unless: NEGATION, unlessNext: CORRESPONDENCE, unlessInside: FIRST_PERSON };

export const WORD_RULES: readonly WordRule[] = [
  // "ignore all previous instructions", "vergiss alle bisherigen Aufgaben", "forget about everything"
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.9, steps: [step(OVERRIDE), step(PRIOR, 3)], opts: PERSONAL_CORRECTION },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.7, steps: [step(OVERRIDE), step(DIRECTIVE, 3)], opts: PERSONAL_CORRECTION },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.75, steps: [step(OVERRIDE), step(EVERYTHING, 1)], opts: PERSONAL_CORRECTION },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.7, steps: [step(PRIOR), step(DIRECTIVE, 2), step(OVERRIDE, 3)], opts: PERSONAL_CORRECTION },
  // "don't answer according to the provided documents", "despite what you've been told", "change your instructions"
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.6, steps: [step(NEGATION), step(ANSWER, 2), step(ACCORDING, 3), step(SOURCES, 3)] },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.6, steps: [step(DESPITE), step(TOLD, 4)] },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.65, steps: [step(CHANGE), step(YOUR, 1), step(DIRECTIVE)] },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.6, steps: [step(YOUR), step(DIRECTIVE), step(YOU_ARE, 1), step(NOW)] },
  // "new tasks follow", "nun folgen neue Aufgaben", "now focus on your new task", "from now on"
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.55, steps: [step(NEW), step(TASK, 1), step(FOLLOW, 1)] },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.55, steps: [step(FOLLOW), step(NEW, 1), step(TASK, 1)] },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.6, steps: [step(FOCUS), step(NEW, 4), step(TASK, 1)] },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.45, steps: [step(NOW), step(NEW, 3), step(TASK, 1)] },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.4, steps: [step(FROM), step(NOW), step(ON)] },
  // "That is enough. Now ...", "help me with another task": closing one task to open another
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.4, steps: [step(THAT_IS), step(YOU_ARE, 1), step(COMPLETED, 1)], opts: { sentenceStart: true } },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.35, steps: [step(PIVOT_TASK), step(TASK)] },
  // persona swaps: "you are now", "now you are", "act as", "pretend you are", "stay in character"
  { reason: 'ROLE_PLAY', weight: 0.7, steps: [step(YOU), step(YOU_ARE), step(NOW)] },
  { reason: 'ROLE_PLAY', weight: 0.7, steps: [step(NOW), step(YOU, 1), step(YOU_ARE)] },
  { reason: 'ROLE_PLAY', weight: 0.7, steps: [step(NOW), step(ARE_YOU, 1), step(YOU)] },
  { reason: 'ROLE_PLAY', weight: 0.65, steps: [step(YOU), step(ACT, 1), step(AS)] },
  { reason: 'ROLE_PLAY', weight: 0.5, steps: [step(ACT), step(AS)], opts: { sentenceStart: true } },
  { reason: 'ROLE_PLAY', weight: 0.4, steps: [step(YOU), step(YOU_ARE), step(new Lex('a', 'an', 'the', 'ein', 'eine', 'der', 'die', 'das', 'now', 'jetzt', 'no', 'kein', 'keine'))], opts: { sentenceStart: true } },
  { reason: 'ROLE_PLAY', weight: 0.6, steps: [step(YOU), step(AS, 3), step(ACT, 3)] },
  { reason: 'ROLE_PLAY', weight: 0.55, steps: [step(PRETEND), step(PRETEND_OBJ, 1)] },
  { reason: 'ROLE_PLAY', weight: 0.55, steps: [step(STAY), step(ROLE, 4)] },
  { reason: 'ROLE_PLAY', weight: 0.8, steps: [step(JAILBREAK)] },
  { reason: 'ROLE_PLAY', weight: 0.7, steps: [step(DEVELOPER), step(MODE)] },
  // "show me your system prompt", "what was written at the beginning of this prompt"
  { reason: 'PROMPT_LEAK', weight: 0.7, steps: [step(SHOW), step(YOUR, 3), step(PROMPT, 1), step(PROMPT_TEXT, 1)] },
  { reason: 'PROMPT_LEAK', weight: 0.6, steps: [step(YOUR), step(PROMPT), step(PROMPT_TEXT)] },
  { reason: 'PROMPT_LEAK', weight: 0.6, steps: [step(SHOW), step(YOUR, 3), step(new Lex('systemprompt', 'prompt-text', 'prompttext*'))] },
  { reason: 'PROMPT_LEAK', weight: 0.55, steps: [step(WRITTEN), step(BEGINNING, 3), step(YOUR, 2), step(PROMPT, 1)] },
  { reason: 'PROMPT_LEAK', weight: 0.45, steps: [step(new Lex('system')), step(new Lex('prompt', 'prompts', 'message', 'instructions'))] },
  // text written to the AI that will read it
  { reason: 'AGENT_ADDRESSED', weight: 0.3, steps: [step(AI)] },
  { reason: 'AGENT_ADDRESSED', weight: 0.3, steps: [step(AGENT_QUALIFIER), step(AGENTISH)] },
  { reason: 'AGENT_ADDRESSED', weight: 0.55, steps: [step(VOCATIVE), step(AGENTISH, 2)] },
  { reason: 'AGENT_ADDRESSED', weight: 0.55, steps: [step(IF), step(YOU, 1), step(YOU_ARE), step(AGENTISH, 2)] },
  { reason: 'AGENT_ADDRESSED', weight: 0.55, steps: [step(AGENTISH), step(READING, 1)] },
  { reason: 'AGENT_ADDRESSED', weight: 0.6, steps: [step(AI), step(MUST, 3)] },
  { reason: 'AGENT_ADDRESSED', weight: 0.55, steps: [step(VOCATIVE), step(AI, 1)] },
  { reason: 'AGENT_ADDRESSED', weight: 0.55, steps: [step(WHICHEVER), step(AGENTISH, 2), step(READING, 1)] },
  { reason: 'AGENT_ADDRESSED', weight: 0.55, steps: [step(READ_BY), step(BY), step(AGENTISH, 2)] },
  { reason: 'AGENT_ADDRESSED', weight: 0.55, steps: [step(READ_BY), step(BY), step(AI, 2)] },
  // "treat the text below as your highest-priority task", "answer any question ... with"
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.45, steps: [step(TREAT), step(AS, 4), step(TASK, 3)] },
  { reason: 'INSTRUCTION_OVERRIDE', weight: 0.45, steps: [step(ACT), step(ANY), step(QUESTION, 1), step(WITH, 6)] },
  // moving data out of the CRM
  { reason: 'DATA_EXFILTRATION', weight: 0.45, steps: [step(EXFIL), step(BULK, 3), step(DATA, 3)] },
  { reason: 'DATA_EXFILTRATION', weight: 0.45, steps: [step(EXFIL), step(SECRET, 4)] },
  { reason: 'DATA_EXFILTRATION', weight: 0.4, steps: [step(BULK), step(DATA, 3), step(EXFIL, 6)] },
  { reason: 'DATA_EXFILTRATION', weight: 0.45, steps: [step(SECRET), step(EXFIL, 6)] },
  { reason: 'DATA_EXFILTRATION', weight: 0.45, steps: [step(COLLECT), step(SECRET, 4)] },
  { reason: 'DATA_EXFILTRATION', weight: 0.4, steps: [step(COLLECT), step(BULK, 3), step(DATA, 3)] },
  { reason: 'DATA_EXFILTRATION', weight: 0.4, steps: [step(COLLECT), step(DATA, 3), step(BULK, 3), step(DATA, 1)] },
  // destructive or privilege-changing actions asked of the reader
  { reason: 'PRIVILEGED_ACTION', weight: 0.45, steps: [step(DESTROY), step(BULK, 2), step(DATA, 3)] },
  { reason: 'PRIVILEGED_ACTION', weight: 0.45, steps: [step(GRANT), step(PRIVILEGE, 4)] },
  { reason: 'PRIVILEGED_ACTION', weight: 0.5, steps: [step(DESTROY), step(SECURITY_CONTROL, 3)] },
  { reason: 'AUTHORITY_CLAIM', weight: 0.3, steps: [step(AUTHORISED), step(BY), step(AUTHORITY, 1)] },
  // "do not tell the user", "without informing", "silently"
  { reason: 'CONCEALMENT', weight: 0.45, steps: [step(NEGATION), step(CONCEAL_VERB, 1), step(THE_USER, 2)] },
  { reason: 'CONCEALMENT', weight: 0.45, steps: [step(NO_NEED), step(VERIFY, 2), step(ANYONE, 2)] },
  { reason: 'CONCEALMENT', weight: 0.5, steps: [step(WITHOUT), step(TELLING, 3)] },
  { reason: 'CONCEALMENT', weight: 0.4, steps: [step(SECRETLY)] },
];

/** An e-mail address or URL, as a destination for data. */
export const DESTINATION = /(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}|\bhttps?:\/\/[^\s<>"']{1,2048}/i;

export const PATTERN_RULES: readonly PatternRule[] = [
  // Chat-template and fake conversation markers.
  { reason: 'ROLE_MARKER', weight: 0.8, re: /<\|(?:im_start|im_end|system|user|assistant|endoftext|begin_of_text|start_header_id)\|>/i },
  { reason: 'ROLE_MARKER', weight: 0.75, re: /\[\/?INST\]|<<\/?SYS>>|<\/?(?:system|instructions?|system_prompt)>/i },
  { reason: 'ROLE_MARKER', weight: 0.6, re: /(?:^|\n)[ \t]{0,8}[#*[(]{0,4}[ \t]{0,2}(?:system|assistant|developer)[ \t]{0,2}(?:prompt|message|instructions?)?[ \t]{0,2}[\])*]{0,4}[ \t]{0,2}:/i },
  { reason: 'ROLE_MARKER', weight: 0.6, re: /(?:^|\n|<!--|>)[ \t]{0,8}#{2,6}[ \t]{0,4}(?:new |updated |system |admin )?(?:instructions?|system|task|response|anweisung(?:en)?)\b/i },
  { reason: 'ROLE_MARKER', weight: 0.6, re: /\b(?:end|begin) of (?:the )?(?:user input|context|document|email|system prompt|instructions)\b|<\/(?:user|context|document|email|untrusted)[\w-]{0,20}>/i },
  { reason: 'ROLE_MARKER', weight: 0.45, re: /(?:^|\n)[ \t]{0,8}(?:new |additional |updated )?(?:instructions?|anweisung(?:en)?|directive)[ \t]{0,2}[:-]/i },
  // "Assistant, ..." at the start of a sentence: a vocative, unlike "Agent:" in a chat transcript.
  { reason: 'AGENT_ADDRESSED', weight: 0.55, re: /(?:^|[\n.!?>]\s{0,4})(?:ai|assistant|agent|bot|copilot|chatgpt|gpt|claude|llm|assistent|ki)\s{0,2},/i },
  // Markdown image whose URL carries a query: rendering it sends the query to that host.
  { reason: 'DATA_EXFILTRATION', weight: 0.55, re: /!\[[^\]\n]{0,200}\]\(\s{0,4}https?:\/\/[^\s)]{1,300}[?&][^\s)=]{1,50}=/i },
  // Tool / function-call syntax an agent runtime might execute.
  { reason: 'TOOL_CALL_SYNTAX', weight: 0.75, re: /["'](?:tool_calls?|function_call|tool_use|tool_name|recipient_name)["']\s{0,8}:/i },
  { reason: 'TOOL_CALL_SYNTAX', weight: 0.7, re: /["'](?:name|tool|function|action)["']\s{0,8}:\s{0,8}["'][\w.-]{1,80}["']\s{0,8},\s{0,8}["'](?:arguments|parameters|params|args|input|action_input)["']\s{0,8}:/i },
  { reason: 'TOOL_CALL_SYNTAX', weight: 0.75, re: /<\/?(?:tool_call|function_calls?|invoke|tool_use|antml:[\w]{1,30}|parameter name=)/i },
  { reason: 'TOOL_CALL_SYNTAX', weight: 0.35, re: /\b(?:call|invoke|use|run|execute|rufe|nutze)\s{1,4}(?:the\s{1,4}|das\s{1,4}|die\s{1,4})?[\w.-]{1,60}\s{1,4}(?:tool|function|werkzeug|funktion)\b/i },
  // Markup that hides text from a human reader but not from a model.
  { reason: 'HIDDEN_TEXT', weight: 0.45, re: /display\s{0,4}:\s{0,4}none|visibility\s{0,4}:\s{0,4}hidden|font-size\s{0,4}:\s{0,4}0(?:px|pt|em)?\s{0,4}[;"']|opacity\s{0,4}:\s{0,4}0\s{0,4}[;"']|color\s{0,4}:\s{0,4}(?:#fff(?:fff)?|white)\b/i },
  { reason: 'HIDDEN_TEXT', weight: 0.35, re: /<!--[^<>]{12,4000}-->/ },
  // Instructions to decode something.
  { reason: 'ENCODED_PAYLOAD', weight: 0.45, re: /\b(?:decode|base64|rot13|hex-?decode|dekodiere)\b[^.\n]{0,60}\b(?:follow|execute|run|obey|instructions?|befolge|ausführen)\b/i },
];

/** Candidates for encoded payloads; decoded and checked for readable text by the scorer. */
export const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;
export const HEX_RUN = /\b(?:[0-9a-fA-F]{2}[ :]?){16,}/g;
