/**
 * The texts QED-Nano was trained and evaluated with, verbatim: facts about the model's interface, like its
 * chat template. A 4B model is sensitive to wording, and its reported results (single pass, the
 * generate-verify-refine scaffold, the reasoning cache) were measured with exactly these texts, so they are
 * never paraphrased or edited here. Whatever the product adds (numbered steps, the critique's JSON read-out,
 * macros and earlier results in the problem) goes into a placeholder or into a turn of its own, never into
 * the wording.
 *
 * Source: the QED-Nano repository, github.com/CMU-AIRe/QED-Nano, commit 4d4051c03d6f7318212976ea1567516fbc2fe3f8,
 * Apache License 2.0 (see NOTICE). Each template is the source text exactly as the repository's Python code
 * reads it (YAML block scalars parsed, files read whole), with Python `str.format` placeholders (`{name}`;
 * `{{` and `}}` stand for braces), and `fill` fills it the way `str.format` does. Each constant names its
 * file; test/fixtures/trained holds the same texts and prompts filled by Python, and the tests compare.
 */

/** Python's `str.format` for named fields: one pass over the template, so text put into a placeholder is
 * never read again (a problem may contain `{x}`); `{{`/`}}` are braces; a field without a value throws. */
export function fill(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{|\}\}|\{(\w+)\}/g, (match, name: string | undefined) => {
    if (name === undefined) return match[0]!;
    const value = values[name];
    if (value === undefined) throw new Error(`The prompt template needs a value for {${name}}.`);
    return value;
  });
}

/** Single pass (Prove): the instruction of QED-Nano's IMO-ProofBench runs and of its RL training
 * (training/conf/qed_nano_rl.yaml); placeholder `{problem_statement}`. */
/** Source: eval/configs/prompts/proofbench_run.txt. */
export const SINGLE_PASS_TEMPLATE = [
  "Generate a rigorous proof to the following question:",
  "",
  "{problem_statement}",
].join('\n');

/** Deep mode's generator (eval/configs/agents/deepseek_math.yaml, `generation_prompt`): a solution followed by its
 * self-evaluation; placeholder `{question}`. */
export const GENERATION_TEMPLATE = [
  "Your task is to solve a given problem. The problem may ask you to prove a statement, or ask for an answer. If finding an answer is required, you should come up with the answer, and your final solution should also be a rigorous proof of that answer being valid.",
  "",
  "Your final solution to the problem should be exceptionally comprehensive and easy-to-follow, which will be rated according to the following evaluation instruction:",
  "",
  "```txt",
  "Here is the instruction to evaluate the quality of a solution to a problem. The problem may ask for a proof of statement, or ask for an answer. If finding an answer is required, the solution should present the answer, and it should also be a rigorous proof of that answer being valid.",
  "",
  "Please evaluate the solution and score it according to the following criteria:",
  "- If the solution is completely correct, with all steps executed properly and clearly demonstrated, then the score is 1",
  "- If the solution is generally correct, but with some details omitted or minor errors, then the score is 0.5",
  "- If the solution does not actually address the required problem, contains fatal errors, or has severe omissions, then the score is 0",
  "",
  "Additionally, referencing anything from any paper does not save the need to prove the reference. It's okay IF AND ONLY IF the solution also presents a valid proof of the reference argument(s); otherwise, if the solution omits the proof or if the proof provided is not completely correct, the solution should be scored according to the criteria above, and definitely not with a score of 1",
  "```",
  "",
  "In fact, you already have the ability to rate your solution yourself, so you are expected to reason carefully about how to solve a given problem, evaluate your method according to the instruction, and refine your solution by fixing issues identified until you can make no further progress.",
  "",
  "In your final response, you should present a detailed solution to the problem followed by your evaluation of that solution.",
  "- To give a good final response, you should try your best to locate potential issues in your own (partial) solution according to the evaluation instruction above, and fix them as many as you can.",
  "- A good final response should just faithfully present your progress, including the best solution you can give, as well as a faithful evaluation of that solution.",
  "- Only when you fail to locate any issues in your solution should you score it with 1.",
  "- If you do notice some issues in your solution but fail to resolve them with your best efforts, it's totally ok to faithfully present the issues in your final response.",
  "- The worst final response would provide a wrong solution but lie that it's correct or claim that it's correct without careful error checking. A better version should faithfully identify errors in the solution. Remember! You CAN'T cheat! If you cheat, we will know, and you will be penalized!",
  "",
  "Here is your task input:",
  "",
  "## Problem",
  "",
  "{question}",
  "",
].join('\n');

/** Deep mode's verifier (eval/configs/agents/deepseek_math.yaml, `verifier_prompt`), also the critique's review;
 * placeholders `{question}`, `{proof}`. Its `\\boxed{{...}}` is two backslashes in the source's YAML block and
 * so in what the model reads. */
export const VERIFIER_TEMPLATE = [
  "## Instruction",
  "Your task is to evaluate the quality of a solution to a problem. The problem may ask for a proof of statement, or ask for an answer. If finding an answer is required, the solution should present the answer, and it should also be a rigorous proof of that answer being valid.",
  "Please evaluate the solution and score it according to the following criteria:",
  "- If the solution is completely correct, with all steps executed properly and clearly demonstrated, then the score is 1",
  "- If the solution is generally correct, but with some details omitted or minor errors, then the score is 0.5",
  "- If the solution does not actually address the required problem, contains fatal errors, or has severe omissions, then the score is 0",
  "",
  "Additionally, referencing anything from any paper does not save the need to prove the reference. It's okay IF AND ONLY IF the solution also presents a valid proof of the reference argument(s); otherwise, if the solution omits the proof or if the proof provided is not completely correct, the solution should be scored according to the criteria above, and definitely not with a score of 1",
  "",
  "Please carefully reason out and analyze the quality of the solution below, and in your final response present a detailed evaluation of the solution's quality followed by your score. Therefore, your response should be in the following format:",
  "",
  "Here is my evaluation of the solution:",
  "... // Your evaluation here. You are required to present in detail the key steps of the solution or the steps for which you had doubts regarding their correctness, and explicitly analyze whether each step is accurate: for correct steps, explain why you initially doubted their correctness and why they are indeed correct; for erroneous steps, explain the reason for the error and the impact of that error on the solution.",
  "",
  "Based on my evaluation, the final overall score should be:",
  "\\\\boxed{{...}} // where ... should be the final overall score (0, 0.5, or 1, and nothing else) based on the above criteria",
  "",
  "---",
  "",
  "Here is your task input:",
  "",
  "## Problem",
  "",
  "{question}",
  "",
  "## Solution",
  "",
  "{proof}",
  "",
].join('\n');

/** Deep mode's refiner (eval/configs/agents/deepseek_math.yaml, `refinement_prompt`); placeholders
 * `{proof_generation_prompt}` (the generator's prompt, filled), `{proof}`, `{proof_analysis}`. */
export const REFINEMENT_TEMPLATE = [
  "{proof_generation_prompt}",
  "",
  "## Candidate Solution(s) to Refine",
  "Here are some solution sample(s) along with their correctness evaluation(s). You should provide a better solution by solving issues mentioned in the evaluation(s), or by re-using promising ideas mentioned in the solution sample(s), or by doing both.",
  "",
  "### Solution",
  "{proof}",
  "",
  "### Evaluation",
  "{proof_analysis}",
].join('\n');

/** The reasoning cache's solve step, as QED-Nano was RL-trained with it (training/prompts/
 * sum_e2e_complete_reasoning_prompt.txt, named by training/conf/qed_nano_rc.yaml); placeholders `{problem}`,
 * `{curr_summary}`. (eval/configs/agents/reasoning_cache.yaml carries the same text.) */
export const RC_SOLVE_TEMPLATE = [
  "You are given a maths problem. You may also be given a summary of a previous attempt to solve it. This previous attempt may or may not be correct.",
  "",
  "### PROBLEM",
  "{problem}",
  "",
  "### SUMMARY OF PREVIOUS ATTEMPT",
  "{curr_summary}",
  "",
  "### INSTRUCTIONS",
  "If no summary of a previous attempt is provided, solve the problem from scratch.",
  "",
  "If a summary of a previous attempt is provided, your task is to improve upon this attempt. You should rely on this summary to guide your thinking.",
  "Some strategies you could use include:",
  "- Verifying the previous solution.",
  "- Proving the result in a different way.",
  "- Finding alternative problem-solving strategies.",
  "- Continuing from where the previous solution left off, assuming that the previous solution is incomplete.",
  "",
  "Reason step-by-step.",
].join('\n');

/** The reasoning cache's summary step, as QED-Nano was RL-trained with it (training/prompts/
 * sum_e2e_complete_summarization_prompt.txt); placeholders `{problem}`, `{existing_summary}`, `{reasoning}`.
 * (The evaluation config's copy breaks its first sentence onto two lines; the trained text is used.) */
export const RC_SUMMARIZATION_TEMPLATE = [
  "You are given a maths problem and a candidate solution to it. You may also be given a summary of a previous candidate solution to the problem. If this is provided, you may assume that the current candidate solution was generated conditioned on the summary of the previous candidate solution.",
  "Your task is to write a summary of the current candidate solution. ",
  "",
  "The new summary you generate should possess the following characteristics:",
  "- It should provide a detailed overview of what occurred in the current candidate solution. This may include a summary of the high-level problem-solving strategy, a description of theorems used, verification attempts, calculations and logical deductions etc.",
  "- It should summarize the current candidate solution in light of any previous summaries, if provided. We should be able to understand the relationship between the previous solution and the current solution by reading the summary. Make sure any important information contained in the existing summary is retained in the new one.",
  "- It should be no more than two paragraph long and written in paragraph form, without headers or subheaders.",
  "- It should be written in the first person, as if though it is being written by the person solving the problem.",
  "- The candidate solution may not be complete. In this case, the summary should still attempt to summarize the partial solution.",
  "",
  "IMPORTANT: Do not under any circumstances add any additional reasoning not contained in the latest reasoning step. Your task is only to summarize what is given to you.",
  "",
  "### PROBLEM",
  "{problem}",
  "",
  "### EXISTING SUMMARY",
  "{existing_summary}",
  "",
  "### LATEST CANDIDATE SOLUTION",
  "{reasoning}",
].join('\n');

/** The summary the reasoning cache starts from (eval/src/imobench/agents/reasoning_cache.py). */
export const RC_NO_PREVIOUS_SUMMARY = '[No previous summary]';

