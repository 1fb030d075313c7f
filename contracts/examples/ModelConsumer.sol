// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IEternalModel} from "../interfaces/IEternalModel.sol";

/// @title ModelConsumer
/// @notice Example: a contract that runs an Eternal model inside a transaction and acts on the
///         answer (here: stores and emits the argmax of the model's first output).
contract ModelConsumer {
    /// @notice The model's first output is empty, so it has no argmax.
    error EmptyOutput();

    /// @notice `caller` classified an input as `label` with score `score`.
    /// @param caller Who called `classify`.
    /// @param label  The argmax of the model's first output.
    /// @param score  That output's value, fixed point 2^-F.
    event Classified(address indexed caller, uint256 label, int256 score);

    IEternalModel private immutable _model;
    uint256 private _lastLabel;
    int256 private _lastScore;

    /// @notice Binds the consumer to one model for good.
    /// @param model_ A finalised Eternal model.
    constructor(IEternalModel model_) {
        _model = model_;
    }

    /// @notice Runs the model on `inputs` and records the index of the largest first output.
    /// @dev Ties go to the lowest index. Reverts `NotFinalised()` (from the model) before it is
    ///      finalised, `EmptyOutput()` if the first output has no elements.
    /// @param inputs One flattened tensor per model input, fixed point 2^-F.
    /// @return label The argmax of the model's first output.
    function classify(int256[][] calldata inputs) external returns (uint256 label) {
        int256[][] memory outputs = _model.predict(inputs);
        int256[] memory scores = outputs[0];
        if (scores.length == 0) revert EmptyOutput();
        int256 best = scores[0];
        for (uint256 i = 1; i < scores.length; ++i) {
            if (scores[i] > best) {
                best = scores[i];
                label = i;
            }
        }
        _lastLabel = label;
        _lastScore = best;
        emit Classified(msg.sender, label, best);
    }

    /// @notice The model this consumer calls.
    function model() external view returns (IEternalModel) {
        return _model;
    }

    /// @notice The last label `classify` found and its score.
    /// @return label The argmax of the last classified input (0 before any).
    /// @return score Its output value, fixed point 2^-F.
    function last() external view returns (uint256 label, int256 score) {
        return (_lastLabel, _lastScore);
    }
}
