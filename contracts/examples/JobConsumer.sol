// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEternalModel} from "../interfaces/IEternalModel.sol";
import {IInferenceJobs} from "../interfaces/IInferenceJobs.sol";

/// @title JobConsumer
/// @notice Example: a contract that uses a model too big for one transaction. `request` opens an
///         inference job on it (InferenceJobs); anyone advances the job, a transaction a step;
///         once it is done, `settle` reads the outputs from chain and acts on them (here: stores and
///         emits the argmax of the model's first output).
contract JobConsumer {
    /// @notice Job `jobId` was not opened by this consumer.
    error NotRequested(uint256 jobId);
    /// @notice Job `jobId` was settled already.
    error AlreadySettled(uint256 jobId);
    /// @notice The model's first output is empty, so it has no argmax.
    error EmptyOutput();

    /// @notice `caller` asked for job `jobId` on this consumer's model.
    /// @param jobId  The job opened.
    /// @param caller Who called `request`.
    event Requested(uint256 indexed jobId, address indexed caller);
    /// @notice Job `jobId`'s input was classified as `label` with score `score`.
    /// @param jobId The job settled.
    /// @param label The argmax of the model's first output.
    /// @param score That output's value, fixed point 2^-F.
    event Classified(uint256 indexed jobId, uint256 label, int256 score);

    /// @dev A requested job: who asked, and its answer once settled.
    struct Request {
        address caller;
        bool settled;
        uint256 label;
        int256 score;
    }

    IInferenceJobs private immutable _jobs;
    IEternalModel private immutable _model;
    mapping(uint256 jobId => Request) private _requests;

    /// @notice Binds the consumer to one jobs contract and one model for good.
    /// @param jobs_  The chain's InferenceJobs contract.
    /// @param model_ A finalised Eternal model.
    constructor(IInferenceJobs jobs_, IEternalModel model_) {
        _jobs = jobs_;
        _model = model_;
    }

    /// @notice Opens a job that runs the model on `inputs`; advance it with `IInferenceJobs.advance`.
    /// @dev Reverts as `IInferenceJobs.open` (`ModelNotFinalised`, `WrongInputCount`, `MalformedInput`).
    /// @param inputs One packed tensor per model input, in `predict` order, fixed point 2^-F.
    /// @return jobId The job's id in the jobs contract.
    function request(bytes[] calldata inputs) external returns (uint256 jobId) {
        jobId = _jobs.open(_model, inputs);
        _requests[jobId].caller = msg.sender;
        emit Requested(jobId, msg.sender);
    }

    /// @notice Reads a finished job's outputs and records the argmax of the first.
    /// @dev Anyone may call it once the job is done. Ties go to the lowest index. Reverts
    ///      `NotRequested` for a job this consumer did not open, `AlreadySettled`, `JobNotDone`
    ///      (from the jobs contract) before the job's last step, `EmptyOutput`.
    /// @param jobId A job `request` opened.
    /// @return label The argmax of the model's first output.
    function settle(uint256 jobId) external returns (uint256 label) {
        Request storage entry = _requests[jobId];
        if (entry.caller == address(0)) revert NotRequested(jobId);
        if (entry.settled) revert AlreadySettled(jobId);
        int256[] memory scores = _jobs.outputs(jobId)[0];
        if (scores.length == 0) revert EmptyOutput();
        int256 best = scores[0];
        for (uint256 i = 1; i < scores.length; ++i) {
            if (scores[i] > best) {
                best = scores[i];
                label = i;
            }
        }
        (entry.settled, entry.label, entry.score) = (true, label, best);
        emit Classified(jobId, label, best);
    }

    /// @notice What `request` and `settle` recorded for job `jobId`.
    /// @param jobId A job id.
    /// @return caller  Who requested it (`address(0)`: not a job of this consumer).
    /// @return settled Whether `settle` ran.
    /// @return label   The argmax found (0 before).
    /// @return score   Its output value, fixed point 2^-F.
    function result(uint256 jobId) external view returns (address caller, bool settled, uint256 label, int256 score) {
        Request storage entry = _requests[jobId];
        return (entry.caller, entry.settled, entry.label, entry.score);
    }

    /// @notice The jobs contract and the model this consumer uses.
    /// @return jobs  The InferenceJobs contract.
    /// @return model The model.
    function targets() external view returns (IInferenceJobs jobs, IEternalModel model) {
        return (_jobs, _model);
    }
}
