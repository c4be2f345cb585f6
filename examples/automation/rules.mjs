// The automation's decisions, as pure functions: a lead's classification by fixed rules and
// a templated first draft for a draft request. No model, no network, the same answer for the
// same input, so a retried event gets the same result.

/** Name and version the results carry in `data.model`. */
export const MODEL = { name: 'waybill-example-rules', version: '1' };

/** Score every lead starts from. */
const BASE_SCORE = 20;
/** Score at or above which a lead is hot, or warm. */
const HOT_AT = 70;
const WARM_AT = 40;

/** Mailbox providers anyone can sign up for: an address there says nothing about a company. */
const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com',
  'aol.com', 'icloud.com', 'gmx.de', 'gmx.net', 'web.de', 'proton.me', 'protonmail.com',
]);
/** Words that show an intent to buy. */
const BUYING_WORDS = [
  'price', 'pricing', 'quote', 'demo', 'buy', 'purchase', 'budget', 'contract', 'licence',
  'license', 'trial', 'invoice', 'seats', 'plan',
];
/** Words that only spam uses. */
const SPAM_WORDS = ['casino', 'viagra', 'crypto giveaway', 'seo services', 'backlinks', 'loan offer'];
/** More links than this in one message is spam. */
const MAX_LINKS = 2;

/**
 * Classifies a `lead.submitted` event's data: `{score, segment, reasons}`.
 *
 * @example
 * classifyLead({ email: 'ada@analytical.example', company: 'Analytical', message: 'A quote, please' })
 * // → { score: 90, segment: 'hot', reasons: [...] }
 */
export function classifyLead(data) {
  const message = String(data.message ?? '').toLowerCase();
  const email = String(data.email ?? '').toLowerCase();
  const domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '';

  const spam = SPAM_WORDS.filter((word) => message.includes(word));
  const links = (message.match(/https?:\/\//g) ?? []).length;
  if (spam.length > 0 || links > MAX_LINKS) {
    const reasons = spam.map((word) => `spam word: ${word}`);
    if (links > MAX_LINKS) reasons.push(`${links} links in the message`);
    return { score: 0, segment: 'spam', reasons };
  }

  let score = BASE_SCORE;
  const reasons = [`base score ${BASE_SCORE}`];
  if (String(data.company ?? '').trim() !== '') {
    score += 20;
    reasons.push('company given (+20)');
  }
  if (domain !== '' && !FREE_MAIL.has(domain)) {
    score += 20;
    reasons.push(`business e-mail domain ${domain} (+20)`);
  }
  const intent = BUYING_WORDS.filter((word) => new RegExp(`\\b${word}`).test(message));
  if (intent.length > 0) {
    score += 30;
    reasons.push(`buying intent: ${intent.slice(0, 3).join(', ')} (+30)`);
  }
  if (String(data.phone ?? '').trim() !== '') {
    score += 10;
    reasons.push('phone number given (+10)');
  }
  score = Math.min(score, 100);
  const segment = score >= HOT_AT ? 'hot' : score >= WARM_AT ? 'warm' : 'cold';
  return { score, segment, reasons };
}

/** What each content type's draft is made of: section headings in order. */
const OUTLINES = {
  blog_post: ['Why it matters', 'How it works', 'What to do next'],
  landing_page: ['The problem', 'What we offer', 'Get started'],
  product_description: ['At a glance', 'Details', 'Who it is for'],
  newsletter: ['This week', 'In depth', 'Until next time'],
};

/**
 * A first draft for a `content.draft_requested` event: the `data` of `content.draft_ready`.
 * `site` is the WordPress address the request came from; the source post is cited from it.
 */
export function draftFor(request, requestKey, site) {
  const keyword = String(request.keyword);
  const audience = String(request.audience);
  const outline = OUTLINES[request.content_type] ?? OUTLINES.blog_post;
  const sections = outline.map((heading, index) => ({
    heading,
    body: `<p>${escapeHtml(sectionText(index, keyword, audience))}</p>`,
  }));

  const draft = {
    request_key: requestKey,
    title: `Draft: ${keyword}`.slice(0, 300),
    sections,
    sources: [],
    model: MODEL,
  };
  if (Number.isInteger(request.post_id)) {
    draft.post_id = request.post_id;
    const base = /^https?:\/\//.test(site ?? '') ? site.replace(/\/+$/, '') : 'http://127.0.0.1';
    draft.sources.push({ url: `${base}/?p=${request.post_id}`, title: 'The post this draft was requested for' });
  }
  return draft;
}

function sectionText(index, keyword, audience) {
  const lines = [
    `${keyword} matters to ${audience}: this opening says why, in their words.`,
    `How ${keyword} works, step by step; an editor replaces this outline with the facts.`,
    `What ${audience} can do next about ${keyword}.`,
  ];
  return lines[index % lines.length];
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
